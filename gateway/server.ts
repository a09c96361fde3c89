// Builds the gateway without listening: Apollo Gateway executing query plans over the composed
// supergraph, served by the same HTTP shell as every subgraph.
import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import cors from 'cors';
import type { Logger } from '../shared/logger';
import type { Metrics } from '../shared/metrics';
import { sharedApolloOptions } from '../shared/server/apollo';
import { createHttpService, mountGraphQL, type HttpService } from '../shared/server/http-service';
import { SUPERGRAPH_SDL } from './compose';
import type { GatewayConfig } from './config';

export interface GatewayServer extends HttpService {
  stop(): Promise<void>;
}

export async function createGatewayServer(
  config: GatewayConfig,
  logger: Logger,
  metrics: Metrics,
  supergraphSdl = readFileSync(SUPERGRAPH_SDL, 'utf8'),
): Promise<GatewayServer> {
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource({
        url: config.subgraphUrls[name] ?? url,
        // Node's fetch keeps connections to each subgraph alive and reuses them.
        fetcher: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(config.subgraphTimeoutMs) }) as never,
      }),
    logger,
  });
  const service = createHttpService({
    logger,
    metrics,
    bodyLimitBytes: config.bodyLimitBytes,
    // Ready once the supergraph is loaded; each subgraph reports its own readiness.
    checkReady: async () => {
      if (!gateway.schema) throw new Error('supergraph not loaded');
    },
  });
  const apollo = new ApolloServer({ gateway, ...sharedApolloOptions(config, logger, service.httpServer, { isSubgraph: false }) });
  await apollo.start();
  mountGraphQL(service, apollo, {
    context: async () => ({}),
    middleware: [cors({ origin: config.corsOrigins })],
    logger,
  });
  return { ...service, stop: () => apollo.stop() };
}
