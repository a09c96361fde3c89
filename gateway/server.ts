// Builds the gateway without listening: Apollo Gateway executing query plans over the composed
// supergraph, served by the same HTTP shell as every subgraph.
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import cors from 'cors';
import { Counter, Gauge } from 'prom-client';
import { createEventBus } from '../shared/events/bus';
import { serviceUnavailable } from '../shared/errors';
import { failureReason, post } from '../shared/http/http-client';
import type { Logger } from '../shared/logger';
import type { Metrics } from '../shared/metrics';
import { sharedApolloOptions } from '../shared/server/apollo';
import { createHttpService, mountGraphQL, type HttpService } from '../shared/server/http-service';
import { authenticationMiddleware, gatewayContext, requestViewer, type GatewayContext } from './auth';
import { SUPERGRAPH_SDL } from './supergraph-files';
import { IDENTITY_HEADER } from '../shared/auth/internal-token';
import type { GatewayConfig } from './config';
import { RATE_LIMIT_HEADERS, createGatewayLimits } from './limits';
import { withQueryCoalescing } from './coalesce-queries';
import { createSubscriptionServer, type SubscriptionServer } from './subscriptions/server';
import { createEntityCache, SubgraphDataSource } from './entities/data-source';

export interface GatewayServer extends HttpService {
  subscriptions: SubscriptionServer;
  stop(): Promise<void>;
}

export async function createGatewayServer(
  config: GatewayConfig,
  logger: Logger,
  metrics: Metrics,
  supergraphSdl = readFileSync(SUPERGRAPH_SDL, 'utf8'),
): Promise<GatewayServer> {
  const bus = createEventBus(config.events, 'gateway', logger);
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) =>
      new SubgraphDataSource({
        url: config.subgraphUrls[name] ?? url,
        entityCache: config.entityCache
          ? createEntityCache(name, { generations: () => bus.entityGenerations('reader'), logger, registry: metrics.registry })
          : undefined,
        // The only identity a subgraph hears of: the gateway's own signed token. Client headers
        // are not forwarded at all, so a client's made-up identity header never gets through.
        willSendRequest: ({ request, context }) => {
          // Optional: a request the gateway makes for itself has no operation context.
          const token = context.identityToken?.();
          if (token) request.http?.headers.set(IDENTITY_HEADER, token);
        },
        // Kept-alive connections to each subgraph (shared/http/http-client.ts). A subgraph that is
        // down or too slow becomes a coded error on the fields it owns; the rest still answers.
        fetcher: (async (url: string, init: { headers: Record<string, string>; body: string }) => {
          try {
            return await post(url, { headers: init.headers, body: init.body, timeoutMs: config.subgraphTimeoutMs });
          } catch (error) {
            logger.warn({ err: error, subgraph: name }, 'subgraph fetch failed');
            throw serviceUnavailable(name, failureReason(error));
          }
        }) as never,
      }),
    logger,
  });
  const service = createHttpService({
    logger,
    metrics,
    bodyLimitBytes: config.bodyLimitBytes,
    // Ready once the supergraph is loaded and the event stream reachable; each subgraph reports
    // its own readiness.
    checkReady: async () => {
      if (!gateway.schema) throw new Error('supergraph not loaded');
      bus.checkConnected();
    },
  });
  const shared = sharedApolloOptions(config, logger, service.httpServer, { isSubgraph: false });
  const limits = createGatewayLimits<GatewayContext>(config, logger, metrics.registry);
  let subscriptions: SubscriptionServer | undefined;
  const coalesced = new Counter({
    name: 'gateway_coalesced_queries_total',
    help: 'Queries answered by joining an identical query of the same caller already in flight.',
    registers: [metrics.registry],
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway: config.coalesceQueries ? withQueryCoalescing(gateway, { onJoined: () => coalesced.inc() }) : gateway,
    ...shared,
    plugins: [
      ...(shared.plugins ?? []),
      limits.plugin,
      // On shutdown, WebSockets close with 1001 Going Away before HTTP finishes draining.
      { serverWillStart: async () => ({ drainServer: async () => subscriptions?.dispose() }) },
    ],
  });
  await apollo.start();
  subscriptions = createSubscriptionServer({
    httpServer: service.httpServer,
    apollo,
    schema: () => gateway.schema,
    bus,
    logger,
    metrics: subscriptionMetrics(metrics),
    production: config.production,
    keepAliveMs: config.keepAliveMs,
    auth: config,
    limits: limits.websocket,
  });
  await subscriptions.start();
  mountGraphQL(service, apollo, {
    context: async (_req, res) => gatewayContext(requestViewer(res), config),
    middleware: [
      cors({ origin: config.corsOrigins, exposedHeaders: RATE_LIMIT_HEADERS }),
      authenticationMiddleware(config),
      ...limits.middleware,
    ],
    logger,
  });
  return {
    ...service,
    subscriptions,
    stop: async () => {
      await apollo.stop();
      await bus.close();
    },
  };
}

function subscriptionMetrics({ registry }: Metrics) {
  const resolutions = new Counter({
    name: 'subscription_resolutions_total',
    help: 'Order status changes resolved through the supergraph for subscribers (once per group of identical subscriptions).',
    registers: [registry],
  });
  const active = new Gauge({ name: 'subscriptions_active', help: 'Open subscriptions on this gateway.', registers: [registry] });
  return { onResolution: () => resolutions.inc(), onSubscriberCount: (count: number) => active.set(count) };
}
