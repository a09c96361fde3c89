// One service's access to the event bus on Redis: the outbox relay that publishes its events,
// the consumer group that handles the events it reacts to, and stream tails for fan-out
// readers. Connections are opened on first use, so a service that uses none of this never
// connects to Redis.
import type Redis from 'ioredis';
import type { Logger } from '../logger';
import { StreamConsumer, type EventHandlers } from './consumer';
import { OutboxRelay } from './outbox-relay';
import { closeRedis, createRedis } from './redis';
import { StreamTail } from './stream-tail';

export interface EventBusConfig {
  redisUrl: string;
  /** Prefix of every Redis key, so deployments and test runs sharing a Redis stay apart. */
  prefix: string;
  /**
   * Whether this instance relays its outbox (OUTBOX_RELAY=off: it only writes events, and another
   * instance, or its next start, publishes them).
   */
  relay: boolean;
}

/** Something a service runs beside its HTTP server, started after it and stopped before it. */
export interface Worker {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export class EventBus {
  private readonly connections: Redis[] = [];
  private publisher: Redis | undefined;

  constructor(
    private readonly config: EventBusConfig,
    private readonly service: string,
    private readonly logger: Logger,
  ) {}

  get prefix(): string {
    return this.config.prefix;
  }

  /** A new connection of its own (blocking reads need one each). */
  connection(purpose: string): Redis {
    // Named after the prefix too, so an operator (or a test) can tell deployments' connections apart.
    const redis = createRedis(this.config.redisUrl, `${this.prefix}${this.service}:${purpose}`, this.logger);
    this.connections.push(redis);
    return redis;
  }

  /** Publishes this service's outbox (database at `databaseUrl`) to its streams. */
  relay(databaseUrl: string): Worker {
    if (!this.config.relay) return { start: async () => {}, stop: async () => {} };
    this.publisher ??= this.connection('publisher');
    return new OutboxRelay({ databaseUrl, redis: this.publisher, prefix: this.prefix, logger: this.logger });
  }

  /** Handles events of `streams` as a member of the service's consumer group. */
  consumer(streams: string[], handlers: EventHandlers): Worker {
    return new StreamConsumer({
      redis: this.connection('consumer'),
      prefix: this.prefix,
      group: this.service,
      streams,
      handlers,
      logger: this.logger,
    });
  }

  /** Every event of `stream` from now on, on this instance (no group: each instance sees all). */
  tail<T>(stream: string, onEvent: (event: T) => void): Worker {
    return new StreamTail<T>({ redis: this.connection('tail'), prefix: this.prefix, stream, logger: this.logger, onEvent });
  }

  /** Readiness: throws while a connection this service opened is not up (Redis down, reconnecting). */
  checkConnected(): void {
    const down = this.connections.find((redis) => redis.status !== 'ready');
    if (down) throw new Error(`redis connection ${down.options.connectionName ?? ''} is ${down.status}`);
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.splice(0).map(closeRedis));
  }
}
