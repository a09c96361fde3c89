// What a caller inside the cluster meets when it skips the gateway and calls a subgraph directly:
// the subgraph's own query limits, its schema-read rule in production, and coded answers to
// representations `_entities` cannot resolve. And proof that nothing the gateway legitimately
// sends is refused: every fetch its query planner makes of an operation the gateway accepts fits
// the subgraph's limits, with every list as long as it can really be.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { operationFromDocument } from '@apollo/federation-internals';
import type { FetchNode, PlanNode, SubscriptionNode } from '@apollo/query-planner';
import { buildSubgraphSchema } from '@apollo/subgraph';
import fc from 'fast-check';
import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  getOperationAST,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  parse,
  typeFromAST,
  validate,
  type DocumentNode,
  type FieldNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { SUPERGRAPH_SDL } from '../../../gateway/compose';
import { DEFAULT_QUERY_LIMITS } from '../../../gateway/limits/config';
import { signInternalToken } from '../../../shared/auth/internal-token';
import { EnvReader, readSubgraphConfig } from '../../../shared/config';
import { DEFAULT_SUBGRAPH_QUERY_LIMITS } from '../../../shared/limits/config';
import { ASSUMED_LIST_SIZE, estimateCost } from '../../../shared/limits/cost';
import { OperationLimits } from '../../../shared/limits/operation-limits';
import { loadTypeDefs } from '../../../shared/server/subgraph';
import { SUBGRAPHS, type SubgraphName } from '../../../shared/services';
import { MAX_ITEMS } from '../../../subgraphs/order/placement';
import type { Db } from '../../../subgraphs/product/db';
import { productSubgraph } from '../../../subgraphs/product/server';
import { ADMIN, customer } from '../../support/auth';
import { workloadRequests } from '../../support/bench-workloads';
import { createTestDatabases, type TestDatabases } from '../../support/databases';
import { operationArbitrary } from '../../support/fuzz-documents';
import { errorCodes, graphql, ok } from '../../support/graphql';
import { scrapeMetric } from '../../support/metrics';
import { loadOperations } from '../../support/operations';
import { startTestSubgraph, type TestSubgraph } from '../../support/subgraphs';

const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_260_514);

describe("the query planner's fetches against the subgraphs' default limits", () => {
  let gateway: ApolloGateway;
  let apiSchema: GraphQLSchema;
  const subgraphSchemas = Object.fromEntries(
    SUBGRAPHS.map((name) => [name, buildSubgraphSchema([{ typeDefs: loadTypeDefs(name) }])]),
  ) as Record<SubgraphName, GraphQLSchema>;
  const gatewayLimits = new OperationLimits(DEFAULT_QUERY_LIMITS);
  const subgraphLimits = new OperationLimits(DEFAULT_SUBGRAPH_QUERY_LIMITS);

  beforeAll(async () => {
    const silent = { debug() {}, info() {}, warn() {}, error() {} };
    gateway = new ApolloGateway({ supergraphSdl: readFileSync(SUPERGRAPH_SDL, 'utf8'), logger: silent });
    apiSchema = (await gateway.load()).schema;
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  /** Why the gateway would refuse `query` with `variables`, or undefined when it accepts it. */
  function gatewayRefusal(query: string, variables: Record<string, unknown>, operationName?: string): string | undefined {
    const tokens = gatewayLimits.checkText(query);
    if (tokens) return tokens.message;
    const document = parse(query);
    const invalid = validateOrThrow(apiSchema, document);
    if (invalid.length) return invalid[0]!.message;
    const operation = getOperationAST(document, operationName);
    if (!operation) return 'no such operation';
    const error = gatewayLimits.checkDocument(apiSchema, document)[0];
    if (error) return error.message;
    const estimate = estimateCost(apiSchema, document, operation, variables);
    if (!('cost' in estimate) || estimate.cost === undefined) return 'variables do not fit, or too large to estimate';
    return estimate.cost > DEFAULT_QUERY_LIMITS.maxCost ? `cost ${estimate.cost}` : undefined;
  }

  /**
   * What each fetch of the plan for `query` would be refused for by its subgraph, with every list
   * as long as it may be: an entity fetch gets one representation per object the path to it can
   * hold (see worstCaseCount).
   */
  function refusedFetches(query: string, variables: Record<string, unknown>, operationName?: string): string[] {
    const document = parse(query);
    const operation = getOperationAST(document, operationName)!;
    const planner = gateway.__testing().queryPlanner!;
    const plan = planner.buildQueryPlan(operationFromDocument(planner.supergraph.apiSchema(), document, { operationName }));
    const refusals: string[] = [];
    for (const { fetch, path } of fetchesOf(plan.node)) {
      const schema = subgraphSchemas[fetch.serviceName as SubgraphName];
      const fetchDocument = parse(fetch.operation);
      const invalid = validate(schema, fetchDocument);
      if (invalid.length) throw new Error(`the planner sent ${fetch.serviceName} an invalid operation: ${invalid[0]!.message}`);
      const fetchVariables: Record<string, unknown> = Object.fromEntries(
        (fetch.variableUsages ?? []).filter((name) => name in variables).map((name) => [name, variables[name]]),
      );
      if (fetch.requires) {
        const count = worstCaseCount(apiSchema, document, operation, variables, path);
        fetchVariables.representations = Array.from({ length: count }, () => ({ __typename: 'Entity', id: 'x' }));
      }
      const fetchOperation = getOperationAST(fetchDocument)!;
      const errors = subgraphLimits.checkDocument(schema, fetchDocument).map((error) => error.message);
      const estimate = estimateCost(schema, fetchDocument, fetchOperation, fetchVariables);
      if (!('cost' in estimate) || estimate.cost === undefined) errors.push('the cost could not be estimated');
      else if (estimate.cost > DEFAULT_SUBGRAPH_QUERY_LIMITS.maxCost) errors.push(`cost ${estimate.cost}`);
      refusals.push(...errors.map((error) => `${fetch.serviceName} (${fetch.operation}): ${error}`));
    }
    return refusals;
  }

  it("should let through every fetch of the examples in operations/, the README's query and the benchmark's workloads", () => {
    const cases: { name: string; query: string; operationName?: string; variables: Record<string, unknown> }[] = [];
    for (const example of loadOperations().values()) {
      const operation = getOperationAST(parse(example.document), example.name)!;
      cases.push({
        name: example.name,
        query: example.document,
        operationName: example.name,
        variables: worstCaseVariables(apiSchema, operation),
      });
    }
    cases.push({
      name: 'README',
      query: `{ users(first: 3) { edges { node { name orders { status total { amount currency } items { quantity product { name category { name } } } payment { status } } } } } }`,
      variables: {},
    });
    const fixtures = { adminId: 'a', customerIds: ['c'], productIds: ['p'], categoryIds: ['k'] };
    for (const { workload, query, variables } of workloadRequests(fixtures)) cases.push({ name: workload, query, variables });
    // Near the gateway's cost limit, with the most entities it lets one operation reach.
    for (const query of [
      `{ orders(first: 100) { edges { node { user { name } items { product { name price { amount } category { name } } } payment { status } } } } }`,
      `{ users(first: 40) { edges { node { orders(first: 10) { items { product { id name } } } } } } }`,
      `{ products(first: 100) { edges { node { category { products(first: 90) { id } } } } } }`,
    ]) {
      cases.push({ name: 'largest', query, variables: {} });
    }
    expect(cases.length).toBeGreaterThanOrEqual(20);
    for (const { name, query, operationName, variables } of cases) {
      expect({ name, refused: gatewayRefusal(query, variables, operationName) }).toEqual({ name, refused: undefined });
      expect({ name, refused: refusedFetches(query, variables, operationName) }).toEqual({ name, refused: [] });
    }
  });

  it('should let through every fetch of random operations the gateway accepts (fast-check, FUZZ_SEED)', () => {
    let accepted = 0;
    const operations = operationArbitrary(apiSchema, { maxDepth: 10, ids: ['x'], mistakes: false });
    for (const { query, variables } of fc.sample(operations, { seed: FUZZ_SEED, numRuns: 400 })) {
      if (gatewayRefusal(query, variables)) continue;
      accepted += 1;
      expect({ seed: FUZZ_SEED, query, refused: refusedFetches(query, variables) }).toEqual({
        seed: FUZZ_SEED,
        query,
        refused: [],
      });
    }
    expect(accepted).toBeGreaterThanOrEqual(100);
  });

  it('should charge an entity fetch per representation, and refuse more than the limit allows', () => {
    const schema = subgraphSchemas.product;
    const document = parse(
      `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product { id name price { amount } category { name } } } }`,
    );
    const operation = getOperationAST(document)!;
    const representations = (count: number) => ({
      representations: Array.from({ length: count }, () => ({ __typename: 'Product', id: 'p' })),
    });
    // Per product: itself, its price and its category.
    expect(estimateCost(schema, document, operation, representations(1_000))).toEqual({ cost: 3_000 });
    const limits = new OperationLimits({ ...DEFAULT_SUBGRAPH_QUERY_LIMITS, maxCost: 2_999 });
    expect(limits.checkCost(schema, document, operation, representations(1_000))?.extensions).toEqual({
      code: 'QUERY_TOO_COSTLY',
      limit: 2_999,
      actual: 3_000,
    });
    expect(limits.checkCost(schema, document, operation, representations(999))).toBeUndefined();
  });
});

describe('subgraph limits configuration', () => {
  it('should read SUBGRAPH_MAX_* with generous defaults, 0 turning a limit off, nonsense refused', () => {
    const defaults = readSubgraphConfig(new EnvReader({}), 'product').limits;
    expect(defaults).toEqual({ maxDepth: 15, maxAliases: 30, maxTokens: 0, maxCost: 50_000 });
    // At or above the gateway's: a fetch is never deeper and has the client's aliases.
    expect(defaults.maxDepth).toBeGreaterThan(DEFAULT_QUERY_LIMITS.maxDepth);
    expect(defaults.maxAliases).toBeGreaterThan(DEFAULT_QUERY_LIMITS.maxAliases);
    expect(defaults.maxCost).toBe(DEFAULT_QUERY_LIMITS.maxCost * (MAX_ITEMS / ASSUMED_LIST_SIZE));

    const env = new EnvReader({ SUBGRAPH_MAX_QUERY_DEPTH: '0', SUBGRAPH_MAX_ALIASES: '5', SUBGRAPH_MAX_QUERY_COST: 'lots' });
    expect(readSubgraphConfig(env, 'product').limits).toEqual({ maxDepth: 0, maxAliases: 5, maxTokens: 0, maxCost: 50_000 });
    expect(env.problems).toEqual([expect.stringMatching(/^SUBGRAPH_MAX_QUERY_COST must be an integer/)]);
  });

  it('should listen on 127.0.0.1 unless HOST says otherwise, in production too', () => {
    expect(readSubgraphConfig(new EnvReader({}), 'user').host).toBe('127.0.0.1');
    expect(readSubgraphConfig(new EnvReader({ NODE_ENV: 'production' }), 'user').host).toBe('127.0.0.1');
    expect(readSubgraphConfig(new EnvReader({ HOST: '0.0.0.0' }), 'user').host).toBe('0.0.0.0');
  });
});

describe('a subgraph called directly, not through the gateway', () => {
  let databases: TestDatabases;
  let development: TestSubgraph<Db>;
  let production: TestSubgraph<Db>;
  const internalSecret = randomBytes(24).toString('hex');

  beforeAll(async () => {
    databases = await createTestDatabases(['product']);
    development = await startTestSubgraph(productSubgraph, databases.product);
    production = await startTestSubgraph(productSubgraph, databases.product, {
      NODE_ENV: 'production',
      INTERNAL_SECRET: internalSecret,
    });
  });

  afterAll(async () => {
    await development?.close();
    await production?.close();
    await databases?.drop();
  });

  /** `count` aliases of a page of `first` products. */
  const aliasedPages = (count: number, first: number) =>
    `{ ${Array.from({ length: count }, (_, i) => `p${i}: products(first: ${first}) { edges { node { id name price { amount } } } }`).join(' ')} }`;

  /** Product → category → products → ...: `levels` fields deep. */
  function nested(levels: number): string {
    let selection = 'id';
    for (let level = levels - 2; level >= 1; level -= 1) {
      selection = level % 2 ? `category { ${selection} }` : `products(first: 1) { ${selection} }`;
    }
    return `{ product(id: "01920000-0000-7000-8000-000000000000") { ${selection} } }`;
  }

  it('should refuse 300 aliased pages of 100 products, anonymously, with TOO_MANY_ALIASES and a small answer', async () => {
    const response = await fetch(development.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: aliasedPages(300, 100) }),
    });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(JSON.parse(text)).toEqual({
      errors: [expect.objectContaining({ extensions: { code: 'TOO_MANY_ALIASES', limit: 30, actual: 300 } })],
    });
    expect(text.length).toBeLessThan(1_000);
    // Within the limit it is answered.
    expect(Object.keys(await ok(development.url, aliasedPages(30, 5)))).toHaveLength(30);
  });

  it('should refuse fields nested deeper than 15 with QUERY_TOO_DEEP, and answer 15', async () => {
    const tooDeep = await graphql(development.url, nested(16));
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_DEEP', limit: 15, actual: 16 });
    const deepest = await graphql(development.url, nested(15));
    expect(errorCodes(deepest)).toEqual(['NOT_FOUND']);
  });

  it('should refuse nested pages whose estimated cost is over 50,000 with QUERY_TOO_COSTLY, and count every refusal', async () => {
    const before = await scrapeMetric(development.url, 'subgraph_limit_rejections_total', { code: 'QUERY_TOO_COSTLY' });
    const costly = await graphql(
      development.url,
      `
        {
          categories {
            products(first: 100) {
              category {
                products(first: 100) {
                  id
                }
              }
            }
          }
        }
      `,
    );
    expect(costly.status).toBe(400);
    expect(costly.errors?.[0]?.extensions).toEqual({
      code: 'QUERY_TOO_COSTLY',
      limit: 50_000,
      actual: 10 * (1 + 100 * (1 + 1 + 100)),
    });
    expect(await scrapeMetric(development.url, 'subgraph_limit_rejections_total', { code: 'QUERY_TOO_COSTLY' })).toBe(before + 1);
    await ok(development.url, `{ categories { products(first: 100) { category { name } } } }`);
  });

  it('should resolve an entity fetch of 1,000 representations, as the gateway sends for a large page', async () => {
    const representations = Array.from({ length: 1_000 }, (_, i) => ({
      __typename: 'Product',
      id: `01920000-0000-7000-8000-${String(i).padStart(12, '0')}`,
    }));
    const data = await ok(
      development.url,
      `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product { id name price { amount } category { name } } } }`,
      { representations },
    );
    // None of them exists: one null per representation, in order.
    expect(data._entities).toEqual(representations.map(() => null));
  });

  it('should answer representations it cannot resolve with BAD_USER_INPUT naming which, not an internal error', async () => {
    const query = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product { id } } }`;
    const valid = { __typename: 'Product', id: '01920000-0000-7000-8000-000000000000' };
    for (const invalid of [
      { __typename: 'Nope', id: valid.id },
      { __typename: 'Money', id: valid.id },
      { __typename: 'Product' },
      { __typename: 'Product', id: 7 },
      {},
      'Product',
    ]) {
      const response = await graphql(development.url, query, { representations: [valid, invalid] });
      expect({ invalid, errors: response.errors?.map((error) => error.extensions) }).toEqual({
        invalid,
        errors: [{ code: 'BAD_USER_INPUT', field: 'representations[1]' }],
      });
    }
    expect((await ok(development.url, query, { representations: [valid] }))._entities).toEqual([null]);
  });

  it('should let anyone introspect in development', async () => {
    expect((await ok(development.url, `{ __schema { queryType { name } } }`)).__schema.queryType.name).toBe('Query');
    expect((await ok(development.url, `{ _service { sdl } }`))._service.sdl).toContain('type Product');
  });

  describe('in production', () => {
    const identity = (secret = internalSecret) => ({
      'x-internal-identity': signInternalToken(customer(ADMIN.userId), 'gateway', { internalSecret: secret }),
    });
    const schemaReads = [
      `{ __schema { queryType { name } } }`,
      `{ __type(name: "Product") { name } }`,
      `{ _service { sdl } }`,
      // Aliased, or tucked into a fragment: still reading the schema.
      `{ schema: __schema { queryType { name } } }`,
      `query { ...Schema } fragment Schema on Query { __schema { types { name } } }`,
      `{ products(first: 1) { totalCount } __type(name: "Query") { name } }`,
    ];

    it.each(schemaReads)('should refuse %s to an anonymous caller with UNAUTHENTICATED', async (query) => {
      const response = await graphql(production.url, query);
      expect(response.status).toBe(401);
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
      expect(response.data ?? undefined).toBeUndefined();
    });

    it('should answer them with the internal identity the gateway signs, and refuse a forged one', async () => {
      const schema = await ok(production.url, `{ __schema { queryType { name } } }`, {}, identity());
      expect(schema.__schema.queryType.name).toBe('Query');
      const service = await ok(production.url, `{ _service { sdl } }`, {}, identity());
      expect(service._service.sdl).toContain('type Product');
      const forged = await graphql(
        production.url,
        `
          {
            _service {
              sdl
            }
          }
        `,
        {},
        identity(randomBytes(24).toString('hex')),
      );
      expect(forged.status).toBe(401);
      expect(errorCodes(forged)).toEqual(['UNAUTHENTICATED']);
    });

    it('should still answer anonymous reads of data and __typename', async () => {
      const data = await ok(production.url, `{ __typename products(first: 1) { totalCount } }`);
      expect(data).toEqual({ __typename: 'Query', products: { totalCount: expect.any(Number) } });
    });

    it('should apply the same limits', async () => {
      const response = await graphql(production.url, aliasedPages(31, 1), {}, identity());
      expect(errorCodes(response)).toEqual(['TOO_MANY_ALIASES']);
    });
  });
});

/**
 * validate(), except that where graphql-js throws instead of reporting (a subscription whose root
 * field is conditioned on a variable) the gateway refuses the operation before validating it
 * (shared/server/http-subscriptions.ts): reported as an error too.
 */
function validateOrThrow(schema: GraphQLSchema, document: DocumentNode): readonly { message: string }[] {
  try {
    return validate(schema, document);
  } catch (error) {
    return [{ message: `refused before validation: ${(error as Error).message}` }];
  }
}

/** The fetches of a plan, each with the response path its results are merged at. */
function fetchesOf(
  node: PlanNode | SubscriptionNode | undefined,
  path: readonly (string | number)[] = [],
): { fetch: FetchNode; path: readonly (string | number)[] }[] {
  if (!node) return [];
  switch (node.kind) {
    case 'Fetch':
      return [{ fetch: node, path }];
    case 'Flatten':
      return fetchesOf(node.node, node.path);
    case 'Sequence':
    case 'Parallel':
      return node.nodes.flatMap((child) => fetchesOf(child, path));
    case 'Condition':
      return [...fetchesOf(node.ifClause, path), ...fetchesOf(node.elseClause, path)];
    case 'Defer':
      return [...fetchesOf(node.primary.node, path), ...node.deferred.flatMap((deferred) => fetchesOf(deferred.node, path))];
    case 'Subscription':
      return [{ fetch: node.primary, path }, ...fetchesOf(node.rest, path)];
    default:
      throw new Error(`unexpected plan node ${(node as { kind: string }).kind}`);
  }
}

/**
 * How many objects can sit at `path` (response keys, '@' for each list element) of `operation`'s
 * response: the product of the lists' largest real sizes on the way. A list that takes `first`
 * holds that many; a connection's edges are its page; an order's items up to MAX_ITEMS (the gateway
 * estimates them as ASSUMED_LIST_SIZE); other unpaged lists ASSUMED_LIST_SIZE.
 */
function worstCaseCount(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  path: readonly (string | number)[],
): number {
  let count = 1;
  let listSize = 1;
  // The page a connection field's `first` asks for, which its `edges` hold.
  let page: number | undefined;
  let type = schema.getRootType(operation.operation)!;
  let selectionSets: readonly SelectionSetNode[] = [operation.selectionSet];
  for (const key of path) {
    if (key === '@') {
      count *= listSize;
      continue;
    }
    const fields = selectionSets.flatMap((set) => fieldsByKey(document, set, String(key)));
    const definition = fields[0] && type.getFields()[fields[0].name.value];
    if (!definition) throw new Error(`no field ${key} on ${type.name}`);
    const { first } = getArgumentValues(definition, fields[0]!, variables);
    if (isListType(getNullableType(definition.type))) {
      if (definition.name === 'edges' && 'pageInfo' in type.getFields()) listSize = page ?? ASSUMED_LIST_SIZE;
      else if (typeof first === 'number') listSize = first;
      else if (type.name === 'Order' && definition.name === 'items') listSize = MAX_ITEMS;
      else listSize = ASSUMED_LIST_SIZE;
    }
    page = typeof first === 'number' ? first : undefined;
    const next = getNamedType(definition.type);
    if (!isObjectType(next)) throw new Error(`${next.name} is not an object type`);
    type = next;
    selectionSets = fields.flatMap((field) => (field.selectionSet ? [field.selectionSet] : []));
  }
  return count;
}

/** The fields of `set` (fragments followed) whose response key is `key`. */
function fieldsByKey(document: DocumentNode, set: SelectionSetNode, key: string): FieldNode[] {
  return set.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return (selection.alias ?? selection.name).value === key ? [selection] : [];
    if (selection.kind === Kind.INLINE_FRAGMENT) return fieldsByKey(document, selection.selectionSet, key);
    const fragment = document.definitions.find(
      (definition) => definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === selection.name.value,
    );
    return fragment?.kind === Kind.FRAGMENT_DEFINITION ? fieldsByKey(document, fragment.selectionSet, key) : [];
  });
}

/** Values for an operation's variables, the largest page wherever an Int is asked for. */
function worstCaseVariables(schema: GraphQLSchema, operation: OperationDefinitionNode): Record<string, unknown> {
  return Object.fromEntries(
    (operation.variableDefinitions ?? []).map((definition) => [
      definition.variable.name.value,
      placeholder(typeFromAST(schema, definition.type) as GraphQLInputType),
    ]),
  );
}

function placeholder(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return placeholder(type.ofType);
  if (isListType(type)) return [placeholder(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0]?.value;
  if (isInputObjectType(type)) {
    return Object.fromEntries(Object.values(type.getFields()).map((field) => [field.name, placeholder(field.type)]));
  }
  return { Int: 100, Float: 1, Boolean: true }[type.name] ?? 'x';
}
