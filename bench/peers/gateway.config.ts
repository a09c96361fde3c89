// Hive Gateway's configuration for the benchmark (read by its CLI from this folder; installed by
// `npm run bench` into bench/peers/node_modules, so the project's typecheck leaves this file out).
// Everything is Hive Gateway's default but one thing the supergraph needs: the caller's identity
// header goes on to the subgraphs, as our gateway sends it.
import { defineConfig } from '@graphql-hive/gateway';

const IDENTITY_HEADER = 'x-internal-identity';

export const gatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      const identity = request.headers.get(IDENTITY_HEADER);
      return identity ? { [IDENTITY_HEADER]: identity } : {};
    },
  },
});
