// Consumes streams as one member of a consumer group: each event is handled by one instance of
// the consuming service, acknowledged only after its handler succeeded. Events left pending by an
// instance that died are claimed by another after `claimIdleMs`. Handlers must be idempotent
// (see claimEvent): at-least-once delivery means an event can arrive twice.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import type { Logger } from '../logger';
import type { EventEnvelope, EventType } from './contracts';
import { blockingRead, untilAnswered } from './redis';
import { parseEntry, streamKey } from './streams';

export type EventHandlers = { [T in EventType]?: (event: EventEnvelope<T>) => Promise<void> };

export interface StreamConsumerOptions {
  /** A dedicated connection: XREADGROUP blocks it. */
  redis: Redis;
  prefix: string;
  /** The consuming service, e.g. "product": one group per service, shared by its instances. */
  group: string;
  streams: string[];
  handlers: EventHandlers;
  logger: Logger;
  blockMs?: number;
  /** Pending events idle this long belong to a consumer presumed dead and are claimed. */
  claimIdleMs?: number;
  /** After this many failed deliveries an event goes to the dead-letter stream. */
  maxDeliveries?: number;
}

type StreamReply = [key: string, entries: [id: string, fields: string[]][]][];

export class StreamConsumer {
  /** This instance's name within the group. */
  readonly name = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private running: Promise<void> | undefined;
  /** The handler call in progress, if any: settles when the handler does, whether it failed or not. */
  private handling: Promise<unknown> | undefined;
  private stopped = false;
  private lastClaim = 0;

  constructor(private readonly options: StreamConsumerOptions) {}

  /** Resolves once the groups exist: at start-up, once Redis answers. */
  async start(): Promise<void> {
    await untilAnswered(this.options.redis, () => this.createGroups());
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // The loop ends within one read (every command is bounded in time, Redis reachable or not),
    // after the handler in hand. An event left unacknowledged is delivered again.
    await this.running;
    await this.handling;
  }

  private async loop(): Promise<void> {
    const { redis, prefix, group, streams, logger, blockMs = 1_000, claimIdleMs = 30_000 } = this.options;
    const keys = streams.map((stream) => streamKey(prefix, stream));
    /** Whether the last attempt failed: one warning per outage, not one per attempt. */
    let failing = false;
    while (!this.stopped) {
      try {
        if (Date.now() - this.lastClaim > claimIdleMs / 2) {
          this.lastClaim = Date.now();
          for (const key of keys) await this.claimAbandoned(key, claimIdleMs);
        }
        const reply = await blockingRead<StreamReply>(
          redis,
          'xreadgroup',
          ['GROUP', group, this.name, 'COUNT', 50, 'BLOCK', blockMs, 'STREAMS', ...keys, ...keys.map(() => '>')],
          blockMs,
        );
        if (failing) logger.info({ group }, 'event consumer reading again');
        failing = false;
        for (const [key, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            // Left pending when stopping: another instance claims them.
            if (this.stopped) break;
            await this.handle(key, id, fields);
          }
        }
      } catch (error) {
        if (this.stopped) break;
        if (!failing) logger.warn({ err: error, group }, 'event consumer read failed; retrying');
        failing = true;
        // The stream and its group are gone (a Redis restarted without persistence, a deleted
        // key): every read fails with NOGROUP until they are created again.
        if (String(error).includes('NOGROUP')) {
          await this.createGroups().catch((createError: unknown) => {
            logger.warn({ err: createError, group }, 'could not recreate the consumer group');
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  /** Creates the group on every stream, and the streams; leaves those that exist as they are. */
  private async createGroups(): Promise<void> {
    const { redis, prefix, group, streams } = this.options;
    for (const stream of streams) {
      try {
        // From the beginning of the stream: events published before this group existed count too.
        await redis.xgroup('CREATE', streamKey(prefix, stream), group, '0', 'MKSTREAM');
      } catch (error) {
        if (!String(error).includes('BUSYGROUP')) throw error;
      }
    }
  }

  /** Takes over events another member read but never acknowledged (it crashed or hung). */
  private async claimAbandoned(key: string, minIdleMs: number): Promise<void> {
    const { redis, group, maxDeliveries = 10 } = this.options;
    const [, entries] = (await redis.xautoclaim(key, group, this.name, minIdleMs, '0-0', 'COUNT', 100)) as [
      string,
      [string, string[]][],
    ];
    if (!entries.length) return;
    const pending = (await redis.xpending(key, group, '-', '+', 1000, this.name)) as [string, string, number, number][];
    const deliveries = new Map(pending.map(([id, , , count]) => [id, count]));
    for (const [id, fields] of entries) {
      if (this.stopped) return;
      if ((deliveries.get(id) ?? 0) > maxDeliveries) await this.deadLetter(key, id, fields);
      else await this.handle(key, id, fields);
    }
  }

  private async handle(key: string, id: string, fields: string[]): Promise<void> {
    const { redis, group, handlers, logger } = this.options;
    const event = parseEntry<EventEnvelope>(fields);
    if (!event) {
      await this.deadLetter(key, id, fields);
      return;
    }
    const handler = handlers[event.type] as ((event: EventEnvelope) => Promise<void>) | undefined;
    try {
      const handling = handler?.(event);
      this.handling = handling?.catch(() => undefined);
      await handling;
      await redis.xack(key, group, id);
    } catch (error) {
      // Not acknowledged: it stays pending and is retried when claimed.
      logger.error({ err: error, group, eventId: event.id, type: event.type }, 'event handler failed');
    }
  }

  private async deadLetter(key: string, id: string, fields: string[]): Promise<void> {
    const { redis, prefix, group, logger } = this.options;
    logger.error({ stream: key, entry: id, group }, 'event moved to the dead-letter stream');
    await redis.xadd(streamKey(prefix, 'dead-letter'), '*', 'stream', key, 'group', group, 'entry', id, ...fields);
    await redis.xack(key, group, id);
  }
}
