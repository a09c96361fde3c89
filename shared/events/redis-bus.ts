// The event bus on Redis Streams. Connections are opened on first use, so a service that uses
// none of this never connects to Redis.
import type Redis from 'ioredis';
import type { Logger } from '../logger';
import { RedisEntityGenerations, type EntityGenerations } from '../cache/entity-generations';
import type { ConsumerGroupState, EntityGenerationsRole, EventBus, EventBusConfig, RelayOptions } from './bus';
import { IDLE_WORKER, type Worker } from './worker';
import { StreamConsumer, type EventHandlers } from './consumer';
import { OutboxRelay, type EventSink } from './outbox-relay';
import { closeRedis, createRedis, firstConnected, REDIS_CONNECT_TIMEOUT_MS } from './redis';
import { StreamTail } from './stream-tail';
import { streamKey } from './streams';

/** Approximate number of entries each stream keeps. */
const STREAM_MAX_LENGTH = 100_000;

/** Appends relayed events to their streams in one round trip. */
export function redisSink(redis: Redis, prefix: string): EventSink {
  return {
    publish: async (events) => {
      // A relay starts publishing at once: its new connection is given the time to connect.
      await firstConnected(redis, REDIS_CONNECT_TIMEOUT_MS);
      const pipeline = redis.pipeline();
      for (const { stream, envelope } of events) {
        pipeline.xadd(streamKey(prefix, stream), 'MAXLEN', '~', STREAM_MAX_LENGTH, '*', 'event', JSON.stringify(envelope));
      }
      const failed = (await pipeline.exec())?.find(([error]) => error);
      if (failed?.[0]) throw failed[0];
    },
    // Bounded: every command on the connection is (./redis.ts).
    settled: async (work) => {
      await work?.catch(() => undefined);
    },
  };
}

export class RedisEventBus implements EventBus {
  private readonly connections: Redis[] = [];
  private publisher: Redis | undefined;
  private readonly generations = new Map<EntityGenerationsRole, EntityGenerations>();
  /** The streams this service's consumer group reads (for consumerGroups()). */
  private readonly consumed = new Set<string>();
  /** Reads group states for metrics; opened at the first scrape. */
  private inspector: Redis | undefined;
  private closed = false;

  constructor(
    private readonly config: EventBusConfig & { redisUrl: string },
    private readonly service: string,
    private readonly logger: Logger,
  ) {}

  /** A new connection of its own (blocking reads need one each). */
  private connection(purpose: string): Redis {
    // Named after the prefix too, so an operator (or a test) can tell deployments' connections apart.
    const redis = createRedis(this.config.redisUrl, `${this.config.prefix}${this.service}:${purpose}`, this.logger);
    this.connections.push(redis);
    return redis;
  }

  relay(databaseUrl: string, options: RelayOptions = {}): Worker {
    if (!this.config.relay) return IDLE_WORKER;
    this.publisher ??= this.connection('publisher');
    return new OutboxRelay({ ...options, databaseUrl, sink: redisSink(this.publisher, this.config.prefix), logger: this.logger });
  }

  consumer(streams: string[], handlers: EventHandlers): Worker {
    for (const stream of streams) this.consumed.add(stream);
    return new StreamConsumer({
      redis: this.connection('consumer'),
      prefix: this.config.prefix,
      group: this.service,
      streams,
      handlers,
      logger: this.logger,
    });
  }

  tail<T>(stream: string, onEvent: (event: T) => void): Worker {
    return new StreamTail<T>({
      redis: this.connection('tail'),
      prefix: this.config.prefix,
      stream,
      logger: this.logger,
      onEvent,
    });
  }

  entityGenerations(role: EntityGenerationsRole): EntityGenerations {
    let generations = this.generations.get(role);
    if (!generations) {
      const redis = this.connection(`generations-${role}`);
      this.generations.set(role, (generations = new RedisEntityGenerations(redis, this.config.prefix)));
    }
    return generations;
  }

  async consumerGroups(): Promise<ConsumerGroupState[]> {
    if (!this.consumed.size || this.closed) return [];
    // Apart from `connections`: readiness must not depend on a connection only metrics use.
    this.inspector ??= createRedis(this.config.redisUrl, `${this.config.prefix}${this.service}:metrics`, this.logger);
    const inspector = this.inspector;
    await firstConnected(inspector);
    const states = await Promise.all(
      [...this.consumed].map(async (stream): Promise<ConsumerGroupState[]> => {
        let groups: unknown[][];
        try {
          groups = (await inspector.xinfo('GROUPS', streamKey(this.config.prefix, stream))) as unknown[][];
        } catch (error) {
          // The stream does not exist yet: nothing to be behind on.
          if (String(error).includes('no such key')) return [];
          throw error;
        }
        return groups.flatMap((flat) => {
          // Each group is a flat [field, value, field, value, ...] list.
          const fields = new Map<unknown, unknown>();
          for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i], flat[i + 1]);
          if (fields.get('name') !== this.service) return [];
          const lag = fields.get('lag');
          return [{ stream, group: this.service, lag: lag == null ? null : Number(lag), pending: Number(fields.get('pending')) }];
        });
      }),
    );
    return states.flat();
  }

  checkConnected(): void {
    const down = this.connections.find((redis) => redis.status !== 'ready');
    if (down) throw new Error(`redis connection ${down.options.connectionName ?? ''} is ${down.status}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.inspector) this.connections.push(this.inspector);
    this.inspector = undefined;
    await Promise.all(this.connections.splice(0).map(closeRedis));
  }
}
