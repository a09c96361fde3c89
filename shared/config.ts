// The configuration every service shares (port, log level, databases, event bus, calls between
// services), read through EnvReader (./env.ts, re-exported here for the services).
import { readInternalTokenConfig } from './auth/config';
import type { InternalTokenConfig } from './auth/internal-token';
import type { EventBusConfig } from './events/bus';
import { readBreakerConfig, type BreakerConfig } from './http/resilience';
import { readSubgraphQueryLimits } from './limits/config';
import type { QueryLimits } from './limits/operation-limits';
import type { ShutdownConfig } from './server/lifecycle';
import type { EnvReader } from './env';
import { DEFAULT_PORTS, databaseUrlVar, subgraphUrlVar, type SubgraphName } from './services';

export { ConfigError, EnvReader } from './env';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface ServiceConfig {
  production: boolean;
  host: string;
  port: number;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Largest request body accepted, in bytes. */
  bodyLimitBytes: number;
  shutdown: ShutdownConfig;
}

export function readServiceConfig(env: EnvReader, defaultPort: number): ServiceConfig {
  return {
    production: env.production,
    // Loopback unless told otherwise: `npm start` and tests run everything on one machine. The
    // image, compose and the Kubernetes manifests set HOST=0.0.0.0.
    host: env.string('HOST', '127.0.0.1'),
    port: env.int('PORT', defaultPort, { min: 0, max: 65535 }),
    logLevel: env.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    bodyLimitBytes: env.int('BODY_LIMIT_BYTES', 100_000, { min: 1_000 }),
    shutdown: {
      delayMs: env.int('SHUTDOWN_DELAY_MS', 0, { min: 0, max: 120_000 }),
      timeoutMs: env.int('SHUTDOWN_TIMEOUT_MS', 25_000, { min: 1_000, max: 600_000 }),
    },
  };
}

export function defaultDatabaseUrl(name: SubgraphName): string {
  return `postgresql://postgres@127.0.0.1:5432/shop_${name}`;
}

export function defaultSubgraphUrl(name: SubgraphName): string {
  return `http://localhost:${DEFAULT_PORTS[name]}/graphql`;
}

export interface SubgraphConfig extends ServiceConfig {
  databaseUrl: string;
  /** Connections this process may hold open to its database. */
  databasePoolSize: number;
  events: EventBusConfig;
  /** Verifies the identity the gateway (or a peer service) sends, and signs it on to peers. */
  internal: InternalTokenConfig;
  /**
   * Whether the service applies its pending migrations before it serves (MIGRATE_ON_START=off
   * where a separate step does: a Kubernetes init container, a compose one-shot service).
   */
  migrateOnStart: boolean;
  /** Calls to other subgraphs (shared/http/subgraph-client.ts). */
  peerCalls: PeerCallConfig;
  /** Depth, aliases and cost of what reaches the subgraph, whoever sends it (shared/limits/config.ts). */
  limits: QueryLimits;
}

export interface PeerCallConfig {
  timeoutMs: number;
  breaker: BreakerConfig;
}

/**
 * The event bus: Redis Streams (REDIS_URL), or the in-process bus (EVENT_BUS=in-process) when
 * every service runs in one process. Every key starts with EVENTS_PREFIX.
 */
export function readEventBusConfig(env: EnvReader): EventBusConfig {
  const prefix = env.string('EVENTS_PREFIX', 'shop:');
  if (!/^[\w.:-]{1,64}$/.test(prefix)) env.problems.push('EVENTS_PREFIX must be 1-64 characters of letters, digits, . : _ -');
  const inProcess = env.oneOf('EVENT_BUS', ['redis', 'in-process'], 'redis') === 'in-process';
  return {
    redisUrl: inProcess ? null : env.url('REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    prefix,
    relay: env.oneOf('OUTBOX_RELAY', ['on', 'off'], 'on') === 'on',
  };
}

/** The configuration every subgraph shares; services add their own fields on top. */
export function readSubgraphConfig(env: EnvReader, name: SubgraphName): SubgraphConfig {
  return {
    ...readServiceConfig(env, DEFAULT_PORTS[name]),
    databaseUrl: readDatabaseUrl(env, name),
    databasePoolSize: env.int('DATABASE_POOL_SIZE', 10, { min: 1, max: 200 }),
    events: readEventBusConfig(env),
    internal: readInternalTokenConfig(env),
    migrateOnStart: env.oneOf('MIGRATE_ON_START', ['on', 'off'], 'on') === 'on',
    peerCalls: {
      timeoutMs: env.int('SERVICE_CALL_TIMEOUT_MS', 5_000, { min: 100 }),
      breaker: readBreakerConfig(env),
    },
    limits: readSubgraphQueryLimits(env),
  };
}

/** A subgraph's database: a PostgreSQL server, or an embedded database (`pglite:<directory>`). */
export function readDatabaseUrl(env: EnvReader, name: SubgraphName): string {
  return env.url(databaseUrlVar(name), defaultDatabaseUrl(name), ['postgresql:', 'postgres:', 'pglite:']);
}

/** Where this service reaches another subgraph (service-to-service calls). */
export function readSubgraphUrl(env: EnvReader, name: SubgraphName): string {
  return env.url(subgraphUrlVar(name), defaultSubgraphUrl(name), ['http:', 'https:']);
}
