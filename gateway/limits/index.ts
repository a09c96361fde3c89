// Abuse limits at the gateway, assembled for its three ways in: Express middleware for every HTTP
// request, an Apollo Server plugin for operations over HTTP, and the graphql-ws server.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type express from 'express';
import type { Registry } from 'prom-client';
import type { EventBusConfig } from '../../shared/events/bus';
import type { Logger } from '../../shared/logger';
import { operationLimitsPlugin } from '../../shared/limits/apollo-plugin';
import type { LimitsConfig } from './config';
import { rateLimitMiddleware, tokenLimitMiddleware } from './http';
export { RATE_LIMIT_HEADERS } from './http';
import { createLimitMetrics } from './metrics';
import { OperationLimits } from '../../shared/limits/operation-limits';
import { RateLimits } from './rate-limits';
import { WebSocketLimits } from './websocket';

export interface GatewayLimits<TContext extends BaseContext> {
  /** After authentication (the rate limit spends the user's budget), before Apollo Server. */
  middleware: express.RequestHandler[];
  /**
   * Depth, aliases and cost of operations over HTTP; holds the server's start until the rate
   * limits' Redis connection is up, and closes it on stop.
   */
  plugin: ApolloServerPlugin<TContext>;
  websocket: WebSocketLimits;
}

export function createGatewayLimits<TContext extends BaseContext>(
  config: { limits: LimitsConfig; events: EventBusConfig },
  logger: Logger,
  registry: Registry,
): GatewayLimits<TContext> {
  const metrics = createLimitMetrics(registry);
  const operations = new OperationLimits(config.limits.query);
  const rateLimits = new RateLimits(config.limits.rate, config.events, logger);
  const { trustedProxies } = config.limits.rate;
  const checks = operationLimitsPlugin<TContext>(operations, metrics);
  return {
    middleware: [rateLimitMiddleware(rateLimits, trustedProxies, metrics), tokenLimitMiddleware(operations, metrics)],
    plugin: {
      ...checks,
      serverWillStart: async () => {
        await rateLimits.ready();
        // Stopping comes after draining: no request needs the rate limits any more.
        return { serverWillStop: async () => rateLimits.close() };
      },
    },
    websocket: new WebSocketLimits(operations, rateLimits, trustedProxies, metrics),
  };
}
