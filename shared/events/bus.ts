// One service's access to the event bus: the outbox relay that publishes its events, the
// consumer group that handles the events it reacts to, and stream tails for fan-out readers.
// Two transports behind one interface: Redis Streams, shared by every process of a deployment,
// and an in-process bus for when the whole supergraph runs in one process (`npm start` on a
// machine without Redis).
import type { Logger } from '../logger';
import type { EventHandlers } from './consumer';
import { InProcessEventBus } from './in-process-bus';
import { RedisEventBus } from './redis-bus';
import type { Worker } from './worker';

export interface EventBusConfig {
  /** Redis Streams at this URL; null: the in-process bus (EVENT_BUS=in-process). */
  redisUrl: string | null;
  /** Prefix of every stream and key, so deployments and test runs sharing a Redis stay apart. */
  prefix: string;
  /**
   * Whether this instance relays its outbox (OUTBOX_RELAY=off: it only writes events, and another
   * instance, or its next start, publishes them).
   */
  relay: boolean;
}

export type { Worker } from './worker';

export interface EventBus {
  /** Publishes this service's outbox (database at `databaseUrl`) to its streams. */
  relay(databaseUrl: string): Worker;
  /** Handles events of `streams` as a member of the service's consumer group. */
  consumer(streams: string[], handlers: EventHandlers): Worker;
  /** Every event of `stream` from now on, on this instance (no group: each instance sees all). */
  tail<T>(stream: string, onEvent: (event: T) => void): Worker;
  /** Readiness: throws while the bus is unreachable. */
  checkConnected(): void;
  close(): Promise<void>;
}

export function createEventBus(config: EventBusConfig, service: string, logger: Logger): EventBus {
  return config.redisUrl
    ? new RedisEventBus({ ...config, redisUrl: config.redisUrl }, service, logger)
    : new InProcessEventBus(config, service, logger);
}
