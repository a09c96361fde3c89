// Ids normalised once, where they enter a subgraph. Ids are UUIDs, and a UUID reads the same in
// upper or lower case, but the strings do not compare equal: a DataLoader keyed by the client's
// spelling misses the row the database found, an event's order id never matches the subscriber's.
// So every `ID` argument (at any depth of an input object or list) and every `ID` key of an entity
// representation is rewritten to its one spelling (normalizeId) before any resolver sees it, and
// the code behind compares lower-case ids only, whatever a client or another service sent.
import {
  defaultFieldResolver,
  GraphQLID,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { normalizeId } from '../validation';

type Normalize = (value: unknown) => unknown;

/** Rewrites `schema`'s resolvers in place so that ids arrive normalised; returns the schema. */
export function normalizeIdArguments(schema: GraphQLSchema): GraphQLSchema {
  const inputs = new Map<string, Normalize | null>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const normalize =
        field.name === '_entities' && type === schema.getQueryType()
          ? representationsNormalizer(schema)
          : argumentsNormalizer(field.args, inputs);
      if (normalize) wrap(field, normalize);
    }
  }
  return schema;
}

function wrap(field: GraphQLField<unknown, unknown>, normalize: (args: Record<string, unknown>) => Record<string, unknown>) {
  const around =
    (resolver: GraphQLFieldResolver<unknown, unknown>): GraphQLFieldResolver<unknown, unknown> =>
    (source, args: Record<string, unknown>, context, info) =>
      resolver(source, normalize(args), context, info);
  field.resolve = around(field.resolve ?? defaultFieldResolver);
  if (field.subscribe) field.subscribe = around(field.subscribe);
}

/** Normalises the arguments that are or hold ids; null when a field has none. */
function argumentsNormalizer(
  args: readonly GraphQLArgument[],
  inputs: Map<string, Normalize | null>,
): ((args: Record<string, unknown>) => Record<string, unknown>) | null {
  const normalizers = args.flatMap((arg) => {
    const normalize = inputNormalizer(arg.type, inputs);
    return normalize ? [[arg.name, normalize] as const] : [];
  });
  if (!normalizers.length) return null;
  return (values) => {
    const normalized = { ...values };
    for (const [name, normalize] of normalizers) {
      if (normalized[name] != null) normalized[name] = normalize(normalized[name]);
    }
    return normalized;
  };
}

/** How to normalise a value of `type`; null when it can hold no id. */
function inputNormalizer(type: GraphQLInputType, inputs: Map<string, Normalize | null>): Normalize | null {
  const nullable = getNullableType(type);
  if (nullable === GraphQLID) return (value) => (typeof value === 'string' ? normalizeId(value) : value);
  if (isListType(nullable)) {
    const item = inputNormalizer(nullable.ofType, inputs);
    return (
      item &&
      ((value) => (Array.isArray(value) ? value.map((entry: unknown) => (entry == null ? entry : item(entry))) : item(value)))
    );
  }
  if (!isInputObjectType(nullable)) return null;
  const known = inputs.get(nullable.name);
  if (known !== undefined) return known;
  // An input type that holds itself: its normaliser refers to itself, through the map.
  inputs.set(nullable.name, (value) => inputs.get(nullable.name)?.(value) ?? value);
  const fields = Object.values(nullable.getFields()).flatMap((field) => {
    const normalize = inputNormalizer(field.type, inputs);
    return normalize ? [[field.name, normalize] as const] : [];
  });
  const normalize: Normalize | null = fields.length
    ? (value) => {
        if (typeof value !== 'object' || value === null) return value;
        const normalized: Record<string, unknown> = { ...value };
        for (const [name, field] of fields) if (normalized[name] != null) normalized[name] = field(normalized[name]);
        return normalized;
      }
    : null;
  inputs.set(nullable.name, normalize);
  return normalize;
}

/**
 * `_entities(representations: [_Any!]!)`: each representation's fields that its entity type
 * declares as `ID` (its @key fields, as the gateway sends them).
 */
function representationsNormalizer(schema: GraphQLSchema) {
  return (args: Record<string, unknown>): Record<string, unknown> => {
    const { representations } = args;
    if (!Array.isArray(representations)) return args;
    return {
      ...args,
      representations: representations.map((representation: unknown) => {
        if (typeof representation !== 'object' || representation === null) return representation;
        const { __typename: typename } = representation as { __typename?: unknown };
        const type = typeof typename === 'string' ? schema.getType(typename) : undefined;
        if (!isObjectType(type)) return representation;
        const fields = type.getFields();
        const normalized: Record<string, unknown> = { ...representation };
        for (const [name, value] of Object.entries(normalized)) {
          const field = fields[name];
          if (field && typeof value === 'string' && getNamedType(field.type) === GraphQLID) normalized[name] = normalizeId(value);
        }
        return normalized;
      }),
    };
  };
}
