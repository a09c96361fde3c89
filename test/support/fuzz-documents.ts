// Schema-aware random GraphQL requests (fast-check arbitraries), for fuzzing a service with what a
// careless or hostile caller might send: operations whose fields come from the schema (random
// selections within a depth bound, aliases, fragments, directives), arguments of the right type
// and of wrong types, as literals or as variables (declared right or wrong, sent or missing),
// and malformed requests (truncated or corrupted documents, bodies of the wrong shape).
//
// U+0000 is left out of generated strings for now: another change is giving NUL bytes in
// arguments a coded answer (BAD_USER_INPUT), and until it lands they reach PostgreSQL.
import fc from 'fast-check';
import {
  GraphQLBoolean,
  GraphQLNonNull,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';

/** An enum value: a bare name in a document, a string in variables. */
class EnumValue {
  constructor(readonly name: string) {}
}

type Value = null | boolean | number | string | EnumValue | Value[] | { [key: string]: Value };

/** A piece of a document, with the variables it uses in order of appearance. */
interface Piece {
  text: string;
  variables: VariableUse[];
}

interface VariableUse {
  /** As declared, e.g. `[OrderItemInput!]!` (not always the argument's type). */
  type: string;
  /** What `variables` holds for it; absent: not sent at all. */
  value?: Value;
}

/** Stands for the next variable's name in a piece; numbered once the document is whole. */
const VARIABLE = '$\u0001';

export interface FuzzRequest {
  method: 'GET' | 'POST';
  /** The raw body of a POST. */
  body?: string;
  /** The query string of a GET, without `?`. */
  search?: string;
  contentType?: string;
  /** Who sends it; the caller of the fuzz test turns this into headers. */
  caller: 'anonymous' | 'customer' | 'admin';
  /** What kind of request this is, for failure reports. */
  kind: 'operation' | 'malformed';
}

export interface FuzzOptions {
  /** Deepest selection generated (composite fields nested). */
  maxDepth: number;
  /** Real ids to use as arguments now and then, so that some operations find data. */
  ids: readonly string[];
  /**
   * Whether to make mistakes: wrong argument types, unknown fields, variables declared with the
   * wrong type or not sent. Without, operations are valid but for what no generator avoids
   * cheaply (an alias used twice with different arguments).
   */
  mistakes?: boolean;
}

export function fuzzRequests(schema: GraphQLSchema, options: FuzzOptions): fc.Arbitrary<FuzzRequest> {
  const operations = operationArbitrary(schema, options);
  const caller = fc.constantFrom<FuzzRequest['caller']>('anonymous', 'customer', 'admin');
  // Now and then an operationName the document does not have.
  const wrongName = fc.oneof({ weight: 19, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant('Other') });
  const post = fc.tuple(operations, caller, wrongName).map(([operation, who, otherName]): FuzzRequest => {
    const operationName = otherName ?? operation.name;
    const named = operationName ? { operationName } : {};
    return {
      method: 'POST',
      body: JSON.stringify({ query: operation.query, variables: operation.variables, ...named }),
      caller: who,
      kind: 'operation',
    };
  });
  const get = fc.tuple(operations, caller).map(([operation, who]): FuzzRequest => ({
    method: 'GET',
    search: new URLSearchParams({ query: operation.query, variables: JSON.stringify(operation.variables) }).toString(),
    caller: who,
    kind: 'operation',
  }));
  return fc.oneof(
    { weight: 16, arbitrary: post },
    { weight: 1, arbitrary: get },
    { weight: 3, arbitrary: malformedRequests(operations, caller) },
  );
}

interface GeneratedOperation {
  query: string;
  variables: Record<string, unknown>;
  name: string | undefined;
}

export function operationArbitrary(schema: GraphQLSchema, options: FuzzOptions): fc.Arbitrary<GeneratedOperation> {
  // One document in four makes mistakes (when mistakes are wanted); the others are valid, and
  // reach the resolvers.
  const correct = new DocumentGenerator(schema, { ...options, mistakes: false });
  const careless = new DocumentGenerator(schema, options);
  const generator = fc.oneof(
    { weight: 3, arbitrary: fc.constant(correct) },
    { weight: options.mistakes === false ? 0 : 1, arbitrary: fc.constant(careless) },
  );
  const roots = [
    { keyword: 'query', type: schema.getQueryType(), weight: 12 },
    { keyword: 'mutation', type: schema.getMutationType(), weight: 3 },
    { keyword: 'subscription', type: schema.getSubscriptionType(), weight: 1 },
  ].filter((root): root is { keyword: string; type: GraphQLObjectType; weight: number } => Boolean(root.type));
  return fc
    .oneof(...roots.map((root) => ({ weight: root.weight, arbitrary: fc.constant(root) })))
    .chain(({ keyword, type }) =>
      fc.tuple(
        fc.constant(keyword),
        fc.constant(type),
        fc
          .tuple(generator, fc.integer({ min: 2, max: options.maxDepth }))
          .chain(([documents, depth]) => documents.selectionSet(type, depth, true)),
        fc.option(fc.constant('Fuzz'), { nil: undefined, freq: 2 }),
        fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      ),
    )
    .map(([keyword, type, selection, name, asFragment]) => assemble(keyword, type.name, selection, name, asFragment));
}

/** The whole document, its variables numbered $v0, $v1, ... in order of appearance. */
function assemble(
  keyword: string,
  rootType: string,
  selection: Piece,
  name: string | undefined,
  asFragment: boolean,
): GeneratedOperation {
  let next = 0;
  const text = selection.text.replaceAll(VARIABLE, () => `$v${next++}`);
  const definitions = selection.variables.map((variable, index) => `$v${index}: ${variable.type}`);
  const variables: Record<string, unknown> = {};
  selection.variables.forEach((variable, index) => {
    if ('value' in variable) variables[`v${index}`] = toJson(variable.value!);
  });
  const header = `${keyword}${name ? ` ${name}` : ''}${definitions.length ? `(${definitions.join(', ')})` : ''}`;
  const query = asFragment ? `${header} { ...Root } fragment Root on ${rootType} ${text}` : `${header} ${text}`;
  return { query, variables, name };
}

class DocumentGenerator {
  private readonly mistakes: boolean;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly options: FuzzOptions,
  ) {
    this.mistakes = options.mistakes ?? true;
  }

  /** `{ ... }` of `type` with at most `depth` levels of composite fields below. */
  selectionSet(type: GraphQLNamedType, depth: number, root = false): fc.Arbitrary<Piece> {
    if (isUnionType(type)) {
      const members = type.getTypes();
      return fc
        .subarray([...members], { minLength: 0, maxLength: Math.min(2, members.length) })
        .chain((chosen) =>
          fc.tuple(
            ...chosen.map((member) =>
              this.selectionSet(member, depth).map((piece) => ({ ...piece, text: `... on ${member.name} ${piece.text}` })),
            ),
          ),
        )
        .map((fragments) => join([{ text: '__typename', variables: [] }, ...fragments], true));
    }
    if (!isObjectType(type) && !isInterfaceType(type)) throw new Error(`${type.name} has no fields`);
    const fields = Object.values(type.getFields()).filter((field) => !field.name.startsWith('__'));
    const leaves = fields.filter((field) => isLeafType(getNamedType(field.type)));
    const composites = depth > 1 ? fields.filter((field) => !isLeafType(getNamedType(field.type))) : [];
    const chosen = fc.tuple(
      fc.subarray(leaves, { maxLength: Math.min(3, leaves.length) }),
      // Few composite fields per level, fewer further down: breadth stays bounded at any depth.
      fc.subarray(composites, {
        minLength: root ? Math.min(1, composites.length) : 0,
        maxLength: Math.min(composites.length, root ? 3 : depth > 3 ? 2 : 1),
      }),
    );
    return chosen.chain(([leafFields, compositeFields]) => {
      const all = [...leafFields, ...compositeFields];
      const pieces = all.map((field) => this.field(field, depth));
      const extras = fc.oneof(
        { weight: 10, arbitrary: fc.constant<Piece[]>([]) },
        { weight: 2, arbitrary: fc.constant<Piece[]>([{ text: '__typename', variables: [] }]) },
        // Not in the schema: a validation error.
        { weight: this.mistakes ? 1 : 0, arbitrary: fc.constant<Piece[]>([{ text: 'notAField', variables: [] }]) },
      );
      return fc.tuple(fc.tuple(...pieces), extras).map(([selected, extra]) => {
        const together = [...selected, ...extra];
        return join(together.length ? together : [{ text: '__typename', variables: [] }], true);
      });
    });
  }

  private field(field: GraphQLField<unknown, unknown>, depth: number): fc.Arbitrary<Piece> {
    const named = getNamedType(field.type);
    const args = fc.tuple(
      ...field.args.map((arg) => {
        const required = isNonNullType(arg.type) && arg.defaultValue === undefined;
        const value = this.argument(arg.type);
        const present = required ? value : fc.option(value, { nil: undefined, freq: 2 });
        return present.map((piece) => (piece ? { ...piece, text: `${arg.name}: ${piece.text}` } : undefined));
      }),
    );
    const selection = isLeafType(named) ? fc.constant(undefined) : this.selectionSet(named, depth - 1);
    const alias = rarely(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'));
    const directive = fc.oneof(
      { weight: 12, arbitrary: fc.constant<Piece | undefined>(undefined) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.constantFrom('include', 'skip'), this.argument(new GraphQLNonNull(GraphQLBoolean)))
          .map(([name, condition]) => ({ ...condition, text: `@${name}(if: ${condition.text})` })),
      },
    );
    return fc.tuple(alias, args, directive, selection).map(([aliasName, argPieces, directivePiece, subselection]) => {
      const given = join(
        argPieces.filter((piece): piece is Piece => piece !== undefined),
        false,
      );
      const parts: Piece[] = [
        { text: `${aliasName ? `${aliasName}: ` : ''}${field.name}`, variables: [] },
        ...(given.text ? [{ ...given, text: `(${given.text})` }] : []),
        ...(directivePiece ? [directivePiece] : []),
        ...(subselection ? [subselection] : []),
      ];
      return { text: parts.map((part) => part.text).join(' '), variables: parts.flatMap((part) => part.variables) };
    });
  }

  /** An argument's value: a literal or a variable, usually of its type, sometimes not. */
  private argument(type: GraphQLInputType): fc.Arbitrary<Piece> {
    const typeName = String(type);
    const literal = (value: fc.Arbitrary<Value>) => value.map((v): Piece => ({ text: toLiteral(v), variables: [] }));
    const variable = (declared: fc.Arbitrary<string>, value: fc.Arbitrary<Value | undefined>) =>
      fc.tuple(declared, value).map(([declaredType, v]): Piece => ({
        text: VARIABLE,
        variables: [v === undefined ? { type: declaredType } : { type: declaredType, value: v }],
      }));
    const mistake = this.mistakes ? 1 : 0;
    return fc.oneof(
      { weight: 8, arbitrary: literal(this.value(type, 2)) },
      { weight: mistake, arbitrary: literal(wrongValue()) },
      { weight: 3, arbitrary: variable(fc.constant(typeName), this.value(type, 2)) },
      { weight: mistake, arbitrary: variable(fc.constant(typeName), wrongValue()) },
      // Declared with another type than the argument's, or not sent.
      {
        weight: mistake,
        arbitrary: variable(
          fc.constantFrom('String', 'Int!', '[ID]', 'Nope', `${typeName.replace(/!$/, '')}`),
          this.value(type, 2),
        ),
      },
      { weight: mistake, arbitrary: variable(fc.constant(typeName), fc.constant(undefined)) },
    );
  }

  /** A value of `type`. */
  private value(type: GraphQLInputType, depth: number): fc.Arbitrary<Value> {
    if (isNonNullType(type)) return this.nonNullValue(type.ofType, depth);
    const inner = this.nonNullValue(type, depth);
    return fc.oneof({ weight: 8, arbitrary: inner }, { weight: 1, arbitrary: fc.constant(null) });
  }

  private nonNullValue(type: GraphQLInputType, depth: number): fc.Arbitrary<Value> {
    if (isListType(type)) {
      const item = this.value(type.ofType, depth);
      // A single value where a list is expected is coerced into a list of one.
      return fc.oneof({ weight: 3, arbitrary: fc.array(item, { maxLength: 3 }) }, { weight: 1, arbitrary: item });
    }
    if (isEnumType(type)) {
      return fc.constantFrom(...type.getValues().map((value) => new EnumValue(value.name)));
    }
    if (isInputObjectType(type)) {
      const fields = Object.values(type.getFields());
      if (depth <= 0) return fc.constant({});
      const record: Record<string, fc.Arbitrary<Value>> = {};
      for (const field of fields) record[field.name] = this.value(field.type, depth - 1);
      const requiredKeys = fields
        .filter((field) => isNonNullType(field.type) && field.defaultValue === undefined)
        .map((f) => f.name);
      return fc.record(record, { requiredKeys });
    }
    return this.scalar(getNamedType(type).name);
  }

  private scalar(name: string): fc.Arbitrary<Value> {
    switch (name) {
      case 'Int':
        return fc.oneof(
          fc.integer({ min: -3, max: 120 }),
          fc.constantFrom(0, 1, 100, 101, 1_000, 1_000_000, 1_000_001, -1_000_001, 2_147_483_647, -2_147_483_648),
        );
      case 'Float':
        return fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 });
      case 'Boolean':
        return fc.boolean();
      case 'ID':
        return fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...(this.options.ids.length ? this.options.ids : ['x'])) },
          { weight: 2, arbitrary: fc.uuid() },
          { weight: 1, arbitrary: text() },
          { weight: 1, arbitrary: fc.integer() },
        );
      case '_Any':
        return fc.record(
          {
            __typename: fc.constantFrom(...this.entityTypeNames(), 'Nope', ''),
            id: this.scalar('ID'),
          },
          { requiredKeys: [] },
        );
      default:
        // String, DateTime and anything else a string literal stands for.
        return text();
    }
  }

  private entityTypeNames(): string[] {
    const entity = this.schema.getType('_Entity');
    return entity && isUnionType(entity) ? entity.getTypes().map((type) => type.name) : ['Product'];
  }
}

/** `value` one time in six, else undefined. */
function rarely<T>(value: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value });
}

/** Strings a caller might send: short and long, odd characters, look-alikes of real values. */
function text(): fc.Arbitrary<string> {
  return fc
    .oneof(
      { weight: 4, arbitrary: fc.string({ maxLength: 16 }) },
      { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          '',
          ' ',
          'customer@shop.example',
          'SKU-1',
          'USD',
          'EUR1',
          "' OR 1=1 --",
          '%_\\',
          '2026-01-01T00:00:00.000Z',
          'x'.repeat(600),
          '😀',
          '\u202e',
          'eyJpZCI6IngifQ',
        ),
      },
    )
    .map((value) => value.replaceAll('\u0000', ''));
}

/** A value that is often of the wrong type for wherever it goes. */
function wrongValue(): fc.Arbitrary<Value> {
  return fc.oneof<fc.Arbitrary<Value>[]>(
    fc.constant(null),
    fc.integer(),
    fc.constant(2_147_483_648),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    text(),
    fc.constant(new EnumValue('NOT_A_VALUE')),
    fc.constant({ notAField: 1 }),
    fc.constant([[1], ['x']]),
  );
}

function join(pieces: Piece[], selection: boolean): Piece {
  const text = pieces.map((piece) => piece.text).join(selection ? ' ' : ', ');
  return { text: selection ? `{ ${text} }` : text, variables: pieces.flatMap((piece) => piece.variables) };
}

function toLiteral(value: Value): string {
  if (value === null) return 'null';
  if (value instanceof EnumValue) return value.name;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(toLiteral).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([key, item]) => `${key}: ${toLiteral(item)}`)
    .join(', ')}}`;
}

function toJson(value: Value): unknown {
  if (value instanceof EnumValue) return value.name;
  if (Array.isArray(value)) return value.map(toJson);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toJson(item)]));
  return value;
}

/** Broken requests: corrupted documents, and bodies or query strings of the wrong shape. */
function malformedRequests(
  operations: fc.Arbitrary<GeneratedOperation>,
  caller: fc.Arbitrary<FuzzRequest['caller']>,
): fc.Arbitrary<FuzzRequest> {
  const post = (body: string, contentType?: string) => ({ method: 'POST' as const, body, ...(contentType && { contentType }) });
  const corrupted = fc
    .tuple(
      operations,
      fc.nat(),
      fc.constantFrom('', '{', '}', '(', ')', '"', '$', '@', '...', '#', '\\', '\u{1F600}', 'query', ':'),
    )
    .map(([operation, at, insert]) => {
      const cut = at % (operation.query.length + 1);
      // Half the time cut off there, else something inserted there.
      const query =
        at % 2 ? operation.query.slice(0, cut) : `${operation.query.slice(0, cut)}${insert}${operation.query.slice(cut)}`;
      return post(JSON.stringify({ query, variables: operation.variables }));
    });
  const shapes = fc.oneof(
    fc.constantFrom(
      post('{"query": "{ __typename }"'),
      post('{}'),
      post('null'),
      post('[]'),
      post('[{"query": "{ __typename }"}]'),
      post('{"query": 42}'),
      post('{"query": null}'),
      post('{"query": ["{ __typename }"]}'),
      post('{"query": "{ __typename }", "variables": "x"}'),
      post('{"query": "{ __typename }", "variables": [1]}'),
      post('{"query": "{ __typename }", "operationName": 5}'),
      post('{"query": "{ __typename }", "extensions": "x"}'),
      post('{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}}'),
      post('{"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 2, "sha256Hash": "abc"}}}'),
      post('{"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}}'),
      post('{"query": "query A { __typename } query A { __typename }"}'),
      post('{"query": "{ __typename } { __typename }"}'),
      post('{"query": "query A { __typename } query B { __typename }"}'),
      post('{"query": "{ __typename }"}', 'text/plain'),
      post('query=%7B__typename%7D', 'application/x-www-form-urlencoded'),
      post('{"query": "{ __typename }"}', 'application/graphql-response+json'),
      { method: 'GET' as const, search: '' },
      { method: 'GET' as const, search: 'query=mutation%20%7B__typename%7D' },
      { method: 'GET' as const, search: 'query=%7B__typename%7D&variables=%7Bx' },
      { method: 'GET' as const, search: 'query=%7B&extensions=%7B%7D' },
    ),
    fc.string({ maxLength: 40 }).map((body) => post(body.replaceAll('\u0000', ''))),
    corrupted,
  );
  return fc.tuple(shapes, caller).map(([shape, who]): FuzzRequest => ({ ...shape, caller: who, kind: 'malformed' }));
}
