// Who may read a subgraph's schema in production. Introspection (`__schema`, `__type`) and
// federation's `_service { sdl }` describe every type, field and argument, internal ones included,
// and nothing in the supergraph asks a running subgraph for them: composition (`npm run compose`)
// reads the SDL files and the gateway the composed supergraph.graphql. So in production only a
// caller with a valid internal identity (a token signed with INTERNAL_SECRET: one of our services,
// or an operator who holds the secret) may; anyone else inside the cluster gets UNAUTHENTICATED.
// In development everything may, for Sandbox and `rover subgraph introspect`.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { BREAK, Kind, visit, type DocumentNode } from 'graphql';
import { unauthenticated } from '../auth/identity';
import { IDENTITY_HEADER, viewerFromHeader, type InternalTokenConfig } from '../auth/internal-token';

/** The fields that read the schema rather than data. */
const SCHEMA_FIELDS: ReadonlySet<string> = new Set(['__schema', '__type', '_service']);

/** Whether `document` asks for the schema anywhere (fragments included, whatever the alias). */
export function readsSchema(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    [Kind.FIELD](field) {
      if (!SCHEMA_FIELDS.has(field.name.value)) return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
}

/** Refuses schema reads without a valid internal identity (install in production only). */
export function schemaReadGuardPlugin<TContext extends BaseContext>(internal: InternalTokenConfig): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          if (!readsSchema(document)) return;
          // The context factory has already refused a header that is there but not valid; this
          // verifies it again (only for schema reads) rather than trust that it ran.
          const header = request.http?.headers.get(IDENTITY_HEADER) ?? undefined;
          if (viewerFromHeader(header, internal).identity) return;
          throw unauthenticated(
            'In production, introspection and _service are only for the services of the supergraph: the SDL files are the schema.',
          );
        },
      };
    },
  };
}
