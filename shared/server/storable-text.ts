// Text that PostgreSQL cannot store, refused before anything runs. A NUL character (U+0000) is
// valid in a GraphQL string and in JSON, but not in PostgreSQL text (error 22021), and an unpaired
// UTF-16 surrogate ("\ud800" in JSON) has no UTF-8 form at all. Rather than every resolver
// guarding every argument, every service (subgraphs and gateway, so a client hears of it before a
// subgraph is called) checks each text value of the operation's arguments, literal or variable,
// against the schema, and answers BAD_USER_INPUT naming the argument path, e.g. `input.name`.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  TypeInfo,
  getNullableType,
  isInputObjectType,
  isListType,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValueNode,
} from 'graphql';
import { ErrorCode } from '../errors';

/** Why `text` cannot be stored, or undefined when it can. */
export function unstorableText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'a NUL character (U+0000)';
  // A high surrogate not followed by a low one, or a low one not preceded by a high one.
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)) {
    return 'an unpaired UTF-16 surrogate';
  }
  return undefined;
}

/** An argument of the operation: where it is, its type, and its value as written. */
interface ArgumentSite {
  name: string;
  type: GraphQLInputType;
  value: ValueNode;
}

/** The first argument value of `operation` that holds unstorable text, as a BAD_USER_INPUT error. */
export function findUnstorableText(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> = {},
): GraphQLError | undefined {
  for (const site of argumentSites(schema, document, operation)) {
    const found = inLiteral(site.value, site.type, site.name, variables);
    if (found) {
      return new GraphQLError(`${found.field} contains ${found.reason}, which cannot be stored; remove it.`, {
        extensions: { code: ErrorCode.BAD_USER_INPUT, field: found.field, http: { status: 400 } },
      });
    }
  }
  return undefined;
}

/** Apollo Server plugin: the check above for every operation, before it runs. */
export function storableTextPlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const error = findUnstorableText(schema, document, operation, request.variables);
          if (error) throw error;
        },
      };
    },
  };
}

// Per parsed document (Apollo Server caches documents, so a repeated operation reuses its
// object): the argument sites do not depend on the variables, only on the document and schema.
const sitesByOperation = new WeakMap<OperationDefinitionNode, { schema: GraphQLSchema; sites: ArgumentSite[] }>();

function argumentSites(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): ArgumentSite[] {
  const cached = sitesByOperation.get(operation);
  if (cached?.schema === schema) return cached.sites;
  const sites: ArgumentSite[] = [];
  const typeInfo = new TypeInfo(schema);
  // The operation and every fragment (which the operation may spread); other operations do not run.
  const definitions = document.definitions.filter(
    (definition) => definition === operation || definition.kind === Kind.FRAGMENT_DEFINITION,
  );
  visit(
    { ...document, definitions },
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const argument = typeInfo.getArgument();
        if (argument) sites.push({ name: node.name.value, type: argument.type, value: node.value });
      },
    }),
  );
  sitesByOperation.set(operation, { schema, sites });
  return sites;
}

interface Found {
  field: string;
  reason: string;
}

function inLiteral(
  node: ValueNode,
  type: GraphQLInputType,
  field: string,
  variables: Readonly<Record<string, unknown>>,
): Found | undefined {
  const nullable = getNullableType(type);
  switch (node.kind) {
    case Kind.VARIABLE:
      return inValue(variables[node.name.value], type, field);
    case Kind.STRING: {
      const reason = unstorableText(node.value);
      return reason ? { field, reason } : undefined;
    }
    case Kind.LIST: {
      const item = isListType(nullable) ? nullable.ofType : nullable;
      for (const [index, value] of node.values.entries()) {
        const found = inLiteral(value, item, `${field}[${index}]`, variables);
        if (found) return found;
      }
      return undefined;
    }
    case Kind.OBJECT: {
      const fields = isInputObjectType(nullable) ? nullable.getFields() : undefined;
      for (const entry of node.fields) {
        const fieldType = fields?.[entry.name.value]?.type ?? nullable;
        const found = inLiteral(entry.value, fieldType, `${field}.${entry.name.value}`, variables);
        if (found) return found;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** The same for a variable's value, as JSON delivered it. */
function inValue(value: unknown, type: GraphQLInputType, field: string): Found | undefined {
  if (typeof value === 'string') {
    const reason = unstorableText(value);
    return reason ? { field, reason } : undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const nullable = getNullableType(type);
  if (Array.isArray(value)) {
    const item = isListType(nullable) ? nullable.ofType : nullable;
    for (const [index, entry] of value.entries()) {
      const found = inValue(entry, item, `${field}[${index}]`);
      if (found) return found;
    }
    return undefined;
  }
  // An input object, or a scalar taking objects (such as federation's _Any representations):
  // every key, since any of them may reach the database.
  const fields = isInputObjectType(nullable) ? nullable.getFields() : undefined;
  for (const [key, entry] of Object.entries(value)) {
    const found = inValue(entry, fields?.[key]?.type ?? nullable, `${field}.${key}`);
    if (found) return found;
  }
  return undefined;
}
