import { existsSync } from 'node:fs';
import path from 'node:path';
import { readAccessTokenVerificationConfig, readInternalTokenConfig } from '../shared/auth/config';
import { EnvReader, readEventBusConfig, readServiceConfig, type ServiceConfig } from '../shared/config';
import type { EventBusConfig } from '../shared/events/bus';
import { readBreakerConfig, type BreakerConfig } from '../shared/http/resilience';
import type { AuthConfig } from './auth';
import { readLimitsConfig, type LimitsConfig } from './limits/config';
import { SUBGRAPHS } from '../shared/services';
import { defaultOf, subgraphUrlName } from '../shared/variables';

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
  /** The storefront's built files, served at / (gateway/web.ts); undefined serves the API only. */
  webDistDir?: string;
}

export function readGatewayConfig(env: EnvReader): GatewayConfig {
  // Only those set: the others keep the routing URLs of the composed supergraph.
  const subgraphUrls: Record<string, string> = {};
  for (const name of SUBGRAPHS) {
    if (env.has(subgraphUrlName(name))) subgraphUrls[name] = env.url(subgraphUrlName(name));
  }
  return {
    ...readServiceConfig(env, 'gateway'),
    subgraphUrls,
    corsOrigins: env.list('CORS_ORIGINS'),
    subgraphTimeoutMs: env.int('SUBGRAPH_TIMEOUT_MS'),
    breaker: readBreakerConfig(env),
    events: readEventBusConfig(env),
    keepAliveMs: env.int('WS_KEEPALIVE_MS'),
    limits: readLimitsConfig(env),
    entityCache: env.oneOf('ENTITY_CACHE') === 'on',
    coalesceQueries: env.oneOf('COALESCE_QUERIES') === 'on',
    accessTokens: readAccessTokenVerificationConfig(env, subgraphUrls.user ?? defaultOf(subgraphUrlName('user'))),
    internal: readInternalTokenConfig(env),
    webDistDir: readWebDistDir(env),
  };
}

function readWebDistDir(env: EnvReader): string | undefined {
  const configured = env.string('WEB_DIST_DIR');
  if (!configured) return undefined;
  const directory = path.resolve(configured);
  if (!existsSync(path.join(directory, 'index.html'))) {
    env.problems.push(`WEB_DIST_DIR names ${directory}, which holds no index.html: build the storefront with npm run build:web`);
  }
  return directory;
}
