// Subscriptions on the gateway's own /graphql URL, over three transports, so that every kind of
// client can subscribe: graphql-ws (WebSocket), graphql-sse (Server-Sent Events) and Apollo's
// multipart HTTP subscriptions. Apollo Gateway cannot execute subscriptions, so the gateway serves
// them itself: it follows the order stream on Redis (every gateway instance reads every event) and
// resolves each change through its own query pipeline, once per group of identical subscriptions
// (hub.ts), whichever transport each subscriber came on.
import type http from 'node:http';
import type { ApolloServer } from '@apollo/server';
import type express from 'express';
import type { GraphQLSchema } from 'graphql';
import type { Registry } from 'prom-client';
import type { EventBus, Worker } from '../../shared/events/bus';
import type { EventEnvelope } from '../../shared/events/contracts';
import type { Logger } from '../../shared/logger';
import type { AccessTokenVerifier } from '../access-tokens';
import type { AuthConfig, GatewayContext } from '../auth';
import type { WebSocketLimits } from '../limits/websocket';
import { serveGraphQLWs } from './graphql-ws';
import { createSubscriptionHub, type SubscriptionHub } from './hub';
import { serveMultipartSubscriptions } from './multipart';
import { SubscriptionOperations } from './operations';
import { Sessions } from './sessions';
import { serveGraphQLSse } from './sse';

export interface SubscriptionServerOptions {
  httpServer: http.Server;
  apollo: ApolloServer<GatewayContext>;
  /** The supergraph's API schema, once the gateway has loaded it. */
  schema: () => GraphQLSchema | undefined;
  bus: EventBus;
  logger: Logger;
  /** Where the hub's and the transports' counters and gauges are registered. */
  registry: Registry;
  production: boolean;
  /** How often idle connections are kept alive (graphql-ws pings, multipart heartbeats). */
  keepAliveMs: number;
  auth: AuthConfig;
  /** Checks each connection's access token when it opens, and for revocation while it is open. */
  accessTokens: AccessTokenVerifier;
  /** Rate limits for connections and operations, and the query limits, as over HTTP. */
  limits: WebSocketLimits;
}

export interface SubscriptionServer {
  hub: SubscriptionHub;
  /**
   * Express middleware for /graphql, after authentication and the rate limits: takes graphql-sse
   * and multipart subscription requests, passes everything else on to Apollo Server.
   */
  httpTransports: express.RequestHandler[];
  /** Starts following the event stream. */
  start(): Promise<void>;
  /** Ends every connection (WebSockets with 1001 Going Away) and stops following the stream. */
  dispose(): Promise<void>;
}

export function createSubscriptionServer(options: SubscriptionServerOptions): SubscriptionServer {
  const { httpServer, apollo, schema, bus, logger, registry, production, keepAliveMs, auth, accessTokens, limits } = options;

  const operations = new SubscriptionOperations(apollo, schema, () => hub, limits, auth);
  const hub = createSubscriptionHub(operations.runQuery, logger, registry);
  const tail: Worker = bus.tail<EventEnvelope>('order', (event) => {
    if (event.type === 'OrderStatusChanged') hub.publish(event as EventEnvelope<'OrderStatusChanged'>);
  });

  const sessions = new Sessions(accessTokens, registry);
  const ws = serveGraphQLWs({ httpServer, operations, sessions, accessTokens, limits, production, keepAliveMs });
  const sse = serveGraphQLSse({ operations, sessions, logger });
  const multipart = serveMultipartSubscriptions({ operations, sessions, logger, keepAliveMs });

  return {
    hub,
    httpTransports: [sse.middleware, multipart.middleware],
    start: () => tail.start(),
    dispose: async () => {
      // Connections first: each client hears it is over before anything else is torn down.
      await ws.dispose();
      multipart.dispose();
      await sse.dispose();
      sessions.dispose();
      await tail.stop();
    },
  };
}
