// Hive Gateway's configuration for the benchmark (read by its CLI from this folder; installed by
// `npm run bench` into bench/peers/node_modules, so the project's typecheck leaves this file out).
// Everything is Hive Gateway's default but what the supergraph needs: the caller's identity
// header goes on to the subgraphs, as our gateway sends it, and subscriptions pass through to the
// subgraph that owns them (`npm run bench:router-subscriptions` proves it).
import { defineConfig } from '@graphql-hive/gateway';

const IDENTITY_HEADER = 'x-internal-identity';

export const gatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      const identity = request.headers.get(IDENTITY_HEADER);
      return identity ? { [IDENTITY_HEADER]: identity } : {};
    },
  },
  // The order subgraph serves orderStatusChanged itself, over graphql-ws on its /graphql (resolved
  // against its HTTP URL in the supergraph). A WebSocket carries no per-request headers, so the
  // caller's identity goes in connection_init's payload, where the subgraph reads it; the
  // placeholder is the client's header (with graphql-ws clients, their connectionParams). Hive
  // opens one socket per distinct payload: one per caller. Option names as
  // @graphql-mesh/transport-http (options.subscriptions) and transport-ws (connectionParams) read them.
  transportEntries: {
    order: {
      options: {
        subscriptions: {
          kind: 'ws',
          location: '/graphql',
          options: {
            connectionParams: { [IDENTITY_HEADER]: `{context.headers.${IDENTITY_HEADER}}` },
          },
        },
      },
    },
  },
});
