// The configuration every service shares (port, log level, databases, event bus, calls between
// services), read through EnvReader (./env.ts, re-exported here for the services). Names, defaults
// and validation are the registry's (./variables.ts); this file only gives them a shape.
import { readInternalTokenConfig } from './auth/config';
import type { InternalTokenConfig } from './auth/internal-token';
import type { EventBusConfig } from './events/bus';
import { readBreakerConfig, type BreakerConfig } from './http/resilience';
import { readSubgraphQueryLimits } from './limits/config';
import type { QueryLimits } from './limits/operation-limits';
import type { ShutdownConfig } from './server/lifecycle';
import type { EnvReader } from './env';
import type { SubgraphName } from './services';
import type { ServiceName } from './variable-kinds';
import { databaseUrlName, LOG_LEVELS, subgraphUrlName } from './variables';

export { ConfigError, EnvReader } from './env';
export { LOG_LEVELS } from './variables';

export interface ServiceConfig {
  production: boolean;
  host: string;
  port: number;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Largest request body accepted, in bytes. */
  bodyLimitBytes: number;
  shutdown: ShutdownConfig;
}

export function readServiceConfig(env: EnvReader, service: ServiceName): ServiceConfig {
  return {
    production: env.production,
    // Loopback unless told otherwise: `npm start` and tests run everything on one machine.
    host: env.string('HOST'),
    port: env.int('PORT', { service }),
    logLevel: env.oneOf('LOG_LEVEL'),
    bodyLimitBytes: env.int('BODY_LIMIT_BYTES'),
    shutdown: {
      delayMs: env.int('SHUTDOWN_DELAY_MS'),
      timeoutMs: env.int('SHUTDOWN_TIMEOUT_MS'),
    },
  };
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
  const prefix = env.string('EVENTS_PREFIX');
  const inProcess = env.oneOf('EVENT_BUS') === 'in-process';
  return {
    redisUrl: inProcess ? null : env.url('REDIS_URL'),
    prefix,
    relay: env.oneOf('OUTBOX_RELAY') === 'on',
  };
}

/** What opening a subgraph's database takes: all the seed and the `db:*` scripts read. */
export type DatabaseConfig = Pick<SubgraphConfig, 'databaseUrl' | 'databasePoolSize'>;

export function readDatabaseConfig(env: EnvReader, name: SubgraphName): DatabaseConfig {
  return { databaseUrl: readDatabaseUrl(env, name), databasePoolSize: env.int('DATABASE_POOL_SIZE') };
}

/** The configuration every subgraph shares; services add their own fields on top. */
export function readSubgraphConfig(env: EnvReader, name: SubgraphName): SubgraphConfig {
  return {
    ...readServiceConfig(env, name),
    ...readDatabaseConfig(env, name),
    events: readEventBusConfig(env),
    internal: readInternalTokenConfig(env),
    migrateOnStart: env.oneOf('MIGRATE_ON_START') === 'on',
    peerCalls: {
      timeoutMs: env.int('SERVICE_CALL_TIMEOUT_MS'),
      breaker: readBreakerConfig(env),
    },
    limits: readSubgraphQueryLimits(env),
  };
}

/** A subgraph's database: a PostgreSQL server, or an embedded database (`pglite:<directory>`). */
export function readDatabaseUrl(env: EnvReader, name: SubgraphName): string {
  return env.url(databaseUrlName(name));
}

/** Where this service reaches another subgraph (service-to-service calls). */
export function readSubgraphUrl(env: EnvReader, name: SubgraphName): string {
  return env.url(subgraphUrlName(name));
}
