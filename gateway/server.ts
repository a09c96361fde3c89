// Builds the gateway without listening: Apollo Gateway executing query plans over the composed
// supergraph, served by the same HTTP shell as every subgraph.
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import cors from 'cors';
import { Counter } from 'prom-client';
import { createEventBus } from '../shared/events/create-event-bus';
import { post } from '../shared/http/http-client';
import { ServiceCalls } from '../shared/http/resilience';
import type { Logger } from '../shared/logger';
import type { Metrics } from '../shared/metrics';
import { sharedApolloOptions } from '../shared/server/apollo';
import { createHttpService, mountGraphQL, type HttpService } from '../shared/server/http-service';
import { refuseSubscriptionsOverHttp } from '../shared/server/http-subscriptions';
import { createAccessTokenVerifier } from './access-tokens';
import { authenticationMiddleware, gatewayContext, requestViewer, type GatewayContext } from './auth';
import { SUPERGRAPH_SDL } from './supergraph-files';
import { IDENTITY_HEADER } from '../shared/auth/internal-token';
import { ErrorCode } from '../shared/errors';
import type { GatewayConfig } from './config';
import { RATE_LIMIT_HEADERS, createGatewayLimits } from './limits';
import { withQueryCoalescing } from './coalesce-queries';
import { createSubscriptionServer, type SubscriptionServer } from './subscriptions/server';
import { createEntityCache, SubgraphDataSource } from './entities/data-source';
import { serveWebApp } from './web';

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
  // Public keys from the user subgraph, revocations from Redis (or this process's memory).
  const accessTokens = createAccessTokenVerifier(config.accessTokens, config.events, logger);
  await accessTokens.start();
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => {
      const calls = new ServiceCalls({ service: name, breaker: config.breaker, logger, registry: metrics.registry });
      return new SubgraphDataSource({
        service: name,
        logger,
        url: config.subgraphUrls[name] ?? url,
        entityCache: config.entityCache
          ? createEntityCache(name, { generations: () => bus.entityGenerations('reader'), logger, registry: metrics.registry })
          : undefined,
        // The only identity a subgraph hears of: the gateway's own signed token. Client headers
        // are not forwarded at all, so a client's made-up identity header never gets through.
        willSendRequest: (options) => {
          // Only a client's operation has a caller (not the gateway's health checks or schema loads).
          if (!('incomingRequestContext' in options)) return;
          const token = options.context.identityToken();
          if (token) options.request.http?.headers.set(IDENTITY_HEADER, token);
        },
        // Kept-alive connections to each subgraph (shared/http/http-client.ts), with a timeout,
        // a circuit breaker and a safe retry (shared/http/resilience.ts). A subgraph that is down
        // or too slow becomes a coded error on the fields it owns; the rest still answers.
        fetcher: ((url: string, init: { headers: Record<string, string>; body: string }) =>
          calls.run(() => post(url, { headers: init.headers, body: init.body, timeoutMs: config.subgraphTimeoutMs }), {
            idempotent: () => !isMutation(init.body),
          })) as never,
      });
    },
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
  const shared = sharedApolloOptions(config, logger, service.httpServer, { isSubgraph: false, metrics });
  const limits = createGatewayLimits<GatewayContext>(config, logger, metrics.registry);
  const coalesced = new Counter({
    name: 'gateway_coalesced_queries_total',
    help: 'Queries answered by joining an identical query of the same caller already in flight.',
    registers: [metrics.registry],
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway: config.coalesceQueries ? withQueryCoalescing(gateway, { onJoined: () => coalesced.inc() }) : gateway,
    ...shared,
    plugins: [...(shared.plugins ?? []), limits.plugin],
  });
  await apollo.start();
  const subscriptions = createSubscriptionServer({
    httpServer: service.httpServer,
    apollo,
    schema: () => gateway.schema,
    bus,
    logger,
    registry: metrics.registry,
    production: config.production,
    keepAliveMs: config.keepAliveMs,
    auth: config,
    accessTokens: accessTokens.verifier,
    limits: limits.websocket,
  });
  await subscriptions.start();
  mountGraphQL(service, apollo, {
    context: async (_req, res) => gatewayContext(requestViewer(res), config),
    middleware: [
      cors({ origin: config.corsOrigins, exposedHeaders: RATE_LIMIT_HEADERS }),
      authenticationMiddleware(accessTokens.verifier),
      ...limits.middleware,
      // graphql-sse and Apollo multipart subscriptions; any other subscription over HTTP is refused.
      ...subscriptions.httpTransports,
      refuseSubscriptionsOverHttp(SUBSCRIPTION_TRANSPORTS),
    ],
    logger,
  });
  if (config.webDistDir) serveWebApp(service.app, config.webDistDir);
  return {
    ...service,
    subscriptions,
    stop: async () => {
      // WebSockets close with 1001 Going Away before HTTP drains: the drain ends every socket
      // without a request in flight, upgraded ones included, which clients would see as 1006.
      await subscriptions.dispose();
      await apollo.stop();
      await bus.close();
      await accessTokens.stop();
    },
  };
}

/** Whether a subgraph request body carries a mutation (parsed only after a failed attempt). */
/** A subscription over HTTP that no transport took: its Accept names none of them. */
const SUBSCRIPTION_TRANSPORTS = {
  status: 406,
  code: ErrorCode.NOT_ACCEPTABLE,
  message:
    'A subscription over HTTP needs Accept: text/event-stream (graphql-sse) or multipart/mixed;subscriptionSpec=1.0 (Apollo multipart, as sent by Apollo Client); or subscribe over WebSocket (graphql-ws).',
};

function isMutation(body: string): boolean {
  const { query } = JSON.parse(body) as { query?: string };
  return typeof query === 'string' && /^\s*mutation\b/.test(query);
}
