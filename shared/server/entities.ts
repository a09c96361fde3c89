// Federation's `_entities(representations: [_Any!]!)` takes anything as a representation.
// @apollo/subgraph throws a plain Error for a `__typename` it does not know, and passes one
// without its key, or with a number for an ID, on to the resolvers, which fail further down: all
// reached the caller as INTERNAL_SERVER_ERROR (found by test/e2e/fuzz.test.ts). The gateway never
// sends such representations, so one that arrives is the caller's mistake: checked here first,
// it is BAD_USER_INPUT naming which.
import {
  getNamedType,
  isScalarType,
  isUnionType,
  Kind,
  type DocumentNode,
  type GraphQLOutputType,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';
import { badUserInput } from '../errors';

/**
 * Wraps `schema`'s `_entities` resolver so that every representation must be an object naming an
 * entity type of this subgraph in `__typename`, with the fields of one of its keys (`@key` in
 * `typeDefs`). Changes `schema` in place and returns it.
 */
export function checkRepresentations(schema: GraphQLSchema, typeDefs: DocumentNode): GraphQLSchema {
  const field = schema.getQueryType()?.getFields()._entities;
  const entity = schema.getType('_Entity');
  if (!field?.resolve || !entity || !isUnionType(entity)) return schema;
  const keys = entityKeys(typeDefs);
  const types = new Map(
    entity.getTypes().map((type) => {
      const fields = type.getFields();
      // Each key field with the JavaScript type its value must have in a representation.
      const typed = (keys.get(type.name) ?? []).map((key) => key.map((name) => [name, jsonType(fields[name]?.type)] as const));
      return [type.name, typed];
    }),
  );
  const resolve = field.resolve;
  field.resolve = (source, args: { representations?: unknown }, context, info) => {
    const representations = Array.isArray(args.representations) ? args.representations : [args.representations];
    representations.forEach((representation, index) => {
      if (!resolvable(representation, types)) {
        throw badUserInput(
          `representations[${index}] must be an object with the __typename of an entity of this subgraph (${[...types.keys()].join(', ')}) and the fields of one of its keys, as strings for IDs.`,
          `representations[${index}]`,
        );
      }
    });
    return resolve(source, args, context, info);
  };
  return schema;
}

/** The fields of each key of each entity type (`@key(fields: "id")`); nested keys are not checked. */
function entityKeys(typeDefs: DocumentNode): Map<string, string[][]> {
  const keys = new Map<string, string[][]>();
  for (const definition of typeDefs.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'key') continue;
      const fields = directive.arguments?.find((argument) => argument.name.value === 'fields')?.value;
      const text = stringValue(fields);
      if (text === undefined || text.includes('{')) continue;
      keys.set(definition.name.value, [...(keys.get(definition.name.value) ?? []), text.split(/[\s,]+/).filter(Boolean)]);
    }
  }
  return keys;
}

function stringValue(value: ValueNode | undefined): string | undefined {
  return value?.kind === Kind.STRING ? value.value : undefined;
}

/** How a key field's value is serialised: ID and String as strings, Int and Float as numbers. */
function jsonType(type: GraphQLOutputType | undefined): string | undefined {
  const named = type && getNamedType(type);
  if (!named || !isScalarType(named)) return undefined;
  return { ID: 'string', String: 'string', Int: 'number', Float: 'number', Boolean: 'boolean' }[named.name];
}

type Key = (readonly [name: string, jsonType: string | undefined])[];

function resolvable(representation: unknown, types: Map<string, Key[]>): boolean {
  if (!representation || typeof representation !== 'object' || Array.isArray(representation)) return false;
  const fields = representation as Record<string, unknown>;
  const keys = typeof fields.__typename === 'string' ? types.get(fields.__typename) : undefined;
  if (!keys) return false;
  const present = ([name, type]: Key[number]) =>
    type === undefined ? fields[name] !== undefined && fields[name] !== null : typeof fields[name] === type;
  return !keys.length || keys.some((key) => key.every(present));
}
