// The query limits on their own, against the composed supergraph's API schema (what the gateway
// validates against): the cost estimator's arithmetic, each limit's code and figures, and the
// production defaults against every example operation a reader is pointed to.
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import {
  Kind,
  getIntrospectionQuery,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  parse,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { SUPERGRAPH_SDL } from '../../../gateway/compose';
import { DEFAULT_QUERY_LIMITS, readLimitsConfig } from '../../../gateway/limits/config';
import { ASSUMED_LIST_SIZE, estimateCost } from '../../../shared/limits/cost';
import { OperationLimits, type QueryLimits } from '../../../shared/limits/operation-limits';
import { countTokens } from '../../../shared/limits/tokens';
import { EnvReader } from '../../../shared/config';
import { loadOperations } from '../../support/operations';

let schema: GraphQLSchema;

beforeAll(async () => {
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  schema = (await new ApolloGateway({ supergraphSdl: readFileSync(SUPERGRAPH_SDL, 'utf8'), logger: silent }).load()).schema;
});

/** The only operation of `query`, with its document. */
function operationOf(query: string): { document: DocumentNode; operation: OperationDefinitionNode } {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation) throw new Error('no operation');
  return { document, operation };
}

function cost(query: string, variables: Record<string, unknown> = {}): number | undefined {
  const { document, operation } = operationOf(query);
  const estimate = estimateCost(schema, document, operation, variables);
  if ('invalidVariables' in estimate) throw new Error('invalid variables');
  return estimate.cost;
}

/** The codes and extensions of what `limits` finds in `query`, the cost with `variables`. */
function violations(limits: OperationLimits, query: string, variables: Record<string, unknown> = {}) {
  const tokens = limits.checkText(query);
  if (tokens) return [tokens.extensions];
  const { document, operation } = operationOf(query);
  const errors = [...limits.checkDocument(schema, document)];
  const costly = limits.checkCost(schema, document, operation, variables);
  if (costly) errors.push(costly);
  return errors.map((error) => error.extensions);
}

const off: QueryLimits = { maxDepth: 0, maxAliases: 0, maxTokens: 0, maxCost: 0 };

describe('cost estimate', () => {
  it('should count objects, not scalars, and multiply by the page size a list field asks for', () => {
    expect(cost(`{ product(id: "p") { name sku } }`)).toBe(1);
    expect(cost(`{ product(id: "p") { name price { amount } category { name } } }`)).toBe(3);
    // Category.products(first: 5): five products, each with its price.
    expect(cost(`{ category(id: "c") { products(first: 5) { price { amount } } } }`)).toBe(1 + 5 * 2);
  });

  it("should take the schema's default page size when first is left out, and first from variables", () => {
    const defaultPage = cost(`{ category(id: "c") { products { id } } }`);
    expect(defaultPage).toBe(1 + 20 * 1);
    expect(cost(`query ($n: Int) { category(id: "c") { products(first: $n) { id } } }`, { n: 50 })).toBe(1 + 50);
    expect(cost(`query ($n: Int) { category(id: "c") { products(first: $n) { id } } }`)).toBe(defaultPage);
  });

  it('should count a connection page once: first times each edge and its node', () => {
    // products(first: 20): 1 for the connection, then per element the edge (1) and the node (1).
    expect(cost(`{ products(first: 20) { totalCount edges { node { id name } } } }`)).toBe(1 + 20 * 2);
    expect(cost(`{ products(first: 0) { totalCount } }`)).toBe(1);
  });

  it('should assume a fixed size for lists that take no first', () => {
    expect(cost(`{ categories { id name } }`)).toBe(ASSUMED_LIST_SIZE);
    expect(cost(`{ order(id: "o") { items { product { name } } } }`)).toBe(1 + ASSUMED_LIST_SIZE * 2);
  });

  it('should multiply nested lists, which is what makes a query costly', () => {
    const nested = `{ users(first: 10) { edges { node { orders(first: 10) { items { quantity } } } } } }`;
    // Per user: edge + node + 10 orders × (1 + 10 items).
    expect(cost(nested)).toBe(1 + 10 * (2 + 10 * (1 + ASSUMED_LIST_SIZE)));
  });

  it('should not charge for introspection or __typename', () => {
    expect(cost(getIntrospectionQuery())).toBe(0);
    expect(cost(`{ __typename products(first: 1) { __typename } }`)).toBe(1);
  });
});

describe('query limits', () => {
  /** Only the limits given, the others off: each limit on its own. */
  const only = (limits: Partial<QueryLimits>) => new OperationLimits({ ...off, ...limits });

  it('should refuse a field nested one level too deep with QUERY_TOO_DEEP and the figures', () => {
    const limits = only({ maxDepth: 4 });
    expect(violations(limits, `{ products(first: 2) { edges { node { id } } } }`)).toEqual([]);
    expect(violations(limits, `{ products(first: 2) { edges { node { category { id } } } } }`)).toEqual([
      { code: 'QUERY_TOO_DEEP', limit: 4, actual: 5 },
    ]);
  });

  it('should count depth through fragments without counting the fragments themselves', () => {
    const spread = `{ product(id: "p") { ...P } } fragment P on Product { category { ... on Category { products { id } } } }`;
    expect(violations(only({ maxDepth: 3 }), spread)).toEqual([{ code: 'QUERY_TOO_DEEP', limit: 3, actual: 4 }]);
    expect(violations(only({ maxDepth: 4 }), spread)).toEqual([]);
  });

  it('should not count introspection as depth (Sandbox must load the schema)', () => {
    expect(violations(only({ maxDepth: 2 }), getIntrospectionQuery())).toEqual([]);
  });

  it('should refuse one alias too many with TOO_MANY_ALIASES, also when hidden in fragments', () => {
    const limits = only({ maxAliases: 2 });
    expect(violations(limits, `{ a: categories { id } b: categories { t: __typename } }`)).toEqual([]);
    expect(violations(limits, `{ a: categories { id } b: categories { id } c: categories { id } }`)).toEqual([
      { code: 'TOO_MANY_ALIASES', limit: 2, actual: 3 },
    ]);
    const viaFragments = `{ ...Q ...R } fragment Q on Query { a: categories { id } b: categories { id } } fragment R on Query { c: categories { id } }`;
    expect(violations(limits, viaFragments)).toEqual([{ code: 'TOO_MANY_ALIASES', limit: 2, actual: 3 }]);
  });

  it('should refuse a document one token over the limit with TOO_MANY_TOKENS, before parsing it', () => {
    const limits = only({ maxTokens: 24 });
    // `{`, `}` and one token per field.
    const fields = (count: number) => `{ ${'__typename '.repeat(count)}}`;
    expect(countTokens(fields(22), Infinity)).toBe(24);
    expect(violations(limits, fields(22))).toEqual([]);
    expect(violations(limits, fields(23))).toEqual([{ code: 'TOO_MANY_TOKENS', limit: 24 }]);
    // Not even valid GraphQL: the limit applies all the same, nothing is parsed.
    expect(limits.checkText('{'.repeat(25))?.extensions).toEqual({ code: 'TOO_MANY_TOKENS', limit: 24 });
    // Comments are not tokens, and counting stops past the limit.
    expect(countTokens(`# ${'x '.repeat(100)}\n{ __typename }`, Infinity)).toBe(3);
    expect(countTokens(fields(1_000), 24)).toBe(25);
  });

  it('should refuse an operation one over the cost limit with QUERY_TOO_COSTLY and the estimate', () => {
    const limits = only({ maxCost: 41 });
    const page = `query ($n: Int) { products(first: $n) { edges { node { id } } } }`;
    expect(violations(limits, page, { n: 20 })).toEqual([]);
    expect(violations(limits, page, { n: 21 })).toEqual([{ code: 'QUERY_TOO_COSTLY', limit: 41, actual: 43 }]);
  });

  it('should leave variables that do not fit the operation to execution, which reports them', () => {
    expect(violations(only({ maxCost: 1 }), `query ($n: Int!) { products(first: $n) { edges { node { id } } } }`)).toEqual([]);
  });

  it('should refuse fragments spread until the estimate would take too long, as too costly', () => {
    const levels = Array.from({ length: 8 }, (_, i) => `fragment F${i} on Query { ${`...F${i + 1} `.repeat(6)}}`);
    const bomb = `{ ...F0 } ${levels.join(' ')} fragment F8 on Query { __typename }`;
    expect(violations(only({ maxCost: 1_000 }), bomb)).toEqual([{ code: 'QUERY_TOO_COSTLY', limit: 1_000 }]);
  });

  it('should check nothing with every limit at 0', () => {
    const deep = `{ a: product(id: "p") { category { products(first: 100) { category { products(first: 100) { id } } } } } }`;
    expect(violations(only({}), deep)).toEqual([]);
  });
});

describe('default limits', () => {
  const limits = new OperationLimits(DEFAULT_QUERY_LIMITS);

  it('should come from the environment, with 0 turning a limit off and nonsense refused', () => {
    const env = new EnvReader({ MAX_QUERY_DEPTH: '0', MAX_QUERY_COST: '250', RATE_LIMIT_IP_PER_MINUTE: '-1' });
    const config = readLimitsConfig(env);
    expect(config.query).toEqual({ ...DEFAULT_QUERY_LIMITS, maxDepth: 0, maxCost: 250 });
    expect(env.problems).toEqual([expect.stringMatching(/^RATE_LIMIT_IP_PER_MINUTE must be an integer between 0/)]);
  });

  it('should let every example operation in operations/ through, as sent (the whole file, operationName)', () => {
    const files = new Map([...loadOperations().values()].map((operation) => [operation.file, operation.document]));
    expect(files.size).toBeGreaterThan(0);
    for (const [file, text] of files) {
      const document = parse(text);
      expect({ file, errors: limits.checkText(text) ?? limits.checkDocument(schema, document) }).toEqual({ file, errors: [] });
      for (const operation of document.definitions) {
        if (operation.kind !== Kind.OPERATION_DEFINITION) continue;
        const name = operation.name?.value;
        const error = limits.checkCost(schema, document, operation, placeholderVariables(operation));
        expect({ name, error }).toEqual({ name, error: undefined });
      }
    }
  });

  it("should let the README's query, Sandbox's introspection and a page of 100 orders through", () => {
    const orders = `{ orders(first: 100) { edges { node { id status total { amount currency } user { name email }
      items { quantity unitPrice { amount currency } product { name category { name } } } payment { status amount { amount currency } } } } } }`;
    for (const query of [
      `{ users(first: 3) { edges { node { name orders { status total { amount currency } items { quantity product { name category { name } } } payment { status } } } } } }`,
      getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        inputValueDeprecation: true,
      }),
      orders,
    ]) {
      expect(violations(limits, query)).toEqual([]);
    }
  });
});

/** A value for every variable that needs one, so that the cost check does not skip the operation. */
function placeholderVariables(operation: OperationDefinitionNode): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.type.kind !== Kind.NON_NULL_TYPE) continue;
    const named = definition.type.type.kind === Kind.NAMED_TYPE ? definition.type.type.name.value : undefined;
    const type = named ? schema.getType(named) : undefined;
    values[definition.variable.name.value] = type ? placeholder(type as GraphQLInputType) : [];
  }
  return values;
}

function placeholder(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return placeholder(type.ofType);
  if (isListType(type)) return [];
  if (isEnumType(type)) return type.getValues()[0]?.value;
  if (isInputObjectType(type)) {
    const required = Object.values(type.getFields()).filter(
      (field) => isNonNullType(field.type) && field.defaultValue === undefined,
    );
    return Object.fromEntries(required.map((field) => [field.name, placeholder(field.type)]));
  }
  return { Int: 1, Float: 1, Boolean: true }[type.name] ?? 'x';
}
