import { readAccessTokenVerificationConfig, readInternalTokenConfig } from '../shared/auth/config';
import { defaultSubgraphUrl, EnvReader, readEventBusConfig, readServiceConfig, type ServiceConfig } from '../shared/config';
import type { EventBusConfig } from '../shared/events/bus';
import { readBreakerConfig, type BreakerConfig } from '../shared/http/resilience';
import type { AuthConfig } from './auth';
import { readLimitsConfig, type LimitsConfig } from './limits/config';
import { DEFAULT_PORTS, SUBGRAPHS, subgraphUrlVar } from '../shared/services';

export interface GatewayConfig extends ServiceConfig, AuthConfig {
  /** Subgraph URLs that replace the routing URLs of the composed supergraph, by subgraph name. */
  subgraphUrls: Record<string, string>;
  /** Origins allowed to call the gateway from a browser. */
  corsOrigins: (string | RegExp)[];
  /** How long one subgraph fetch may take. */
  subgraphTimeoutMs: number;
  /** When a subgraph's circuit opens, and for how long (shared/http/resilience.ts). */
  breaker: BreakerConfig;
  /** Redis, where the gateway follows order status changes for subscriptions. */
  events: EventBusConfig;
  /** graphql-ws ping interval: keeps idle sockets open through proxies and detects dead peers. */
  keepAliveMs: number;
  /** Query limits (depth, aliases, tokens, cost) and rate limits (per address and per user). */
  limits: LimitsConfig;
  /** Whether Product entities are cached (ENTITY_CACHE=off: every fetch goes to the subgraph). */
  entityCache: boolean;
  /** Identical queries in flight from the same caller run once (gateway/coalesce-queries.ts). */
  coalesceQueries: boolean;
}

// Apollo's hosted Sandbox and local frontends, in development only.
const DEVELOPMENT_ORIGINS = ['https://studio.apollographql.com', /^https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/];

export function readGatewayConfig(env: EnvReader): GatewayConfig {
  const subgraphUrls: Record<string, string> = {};
  for (const name of SUBGRAPHS) {
    const url = env.string(subgraphUrlVar(name), '');
    if (url) subgraphUrls[name] = url;
  }
  const configuredOrigins = env.list('CORS_ORIGINS', []);
  return {
    ...readServiceConfig(env, DEFAULT_PORTS.gateway),
    subgraphUrls,
    corsOrigins: configuredOrigins.length ? configuredOrigins : env.production ? [] : DEVELOPMENT_ORIGINS,
    subgraphTimeoutMs: env.int('SUBGRAPH_TIMEOUT_MS', 10_000, { min: 100 }),
    breaker: readBreakerConfig(env),
    events: readEventBusConfig(env),
    keepAliveMs: env.int('WS_KEEPALIVE_MS', 12_000, { min: 100 }),
    limits: readLimitsConfig(env),
    entityCache: env.oneOf('ENTITY_CACHE', ['on', 'off'], 'on') === 'on',
    coalesceQueries: env.oneOf('COALESCE_QUERIES', ['on', 'off'], 'on') === 'on',
    accessTokens: readAccessTokenVerificationConfig(env, subgraphUrls.user ?? defaultSubgraphUrl('user')),
    internal: readInternalTokenConfig(env),
  };
}
