// Follows one stream from "now" on, as every instance of a fan-out reader must (each gateway sees
// every event; no consumer group). It remembers the last entry it read, so after a Redis outage
// it resumes exactly there: events published meanwhile are read, not lost.
import type Redis from 'ioredis';
import type { Logger } from '../logger';
import { blockingRead, untilAnswered } from './redis';
import { parseEntry, streamKey } from './streams';

export interface StreamTailOptions<T> {
  /** A dedicated connection: XREAD blocks it. */
  redis: Redis;
  prefix: string;
  stream: string;
  logger: Logger;
  onEvent: (event: T) => void;
  blockMs?: number;
}

export class StreamTail<T> {
  private lastId = '$';
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(private readonly options: StreamTailOptions<T>) {}

  /** Resolves once the position is fixed (at start-up, once Redis answers): events published after this are all seen. */
  async start(): Promise<void> {
    const { redis, prefix, stream } = this.options;
    const [latest] = await untilAnswered(redis, () => redis.xrevrange(streamKey(prefix, stream), '+', '-', 'COUNT', 1));
    this.lastId = latest?.[0] ?? '0-0';
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // The loop ends within one read: every command is bounded in time, Redis reachable or not.
    await this.running;
  }

  private async loop(): Promise<void> {
    const { redis, prefix, stream, logger, onEvent, blockMs = 1_000 } = this.options;
    const key = streamKey(prefix, stream);
    /** Whether the last read failed: one warning per outage, not one per attempt. */
    let failing = false;
    while (!this.stopped) {
      try {
        const reply = await blockingRead<[key: string, entries: [id: string, fields: string[]][]][]>(
          redis,
          'xread',
          ['COUNT', 500, 'BLOCK', blockMs, 'STREAMS', key, this.lastId],
          blockMs,
        );
        if (failing) logger.info({ stream: key }, 'stream tail reading again');
        failing = false;
        for (const [, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            this.lastId = id;
            const event = parseEntry<T>(fields);
            if (event) onEvent(event);
          }
        }
      } catch (error) {
        if (this.stopped) break;
        if (!failing) logger.warn({ err: error, stream: key }, 'stream read failed; resuming from the last entry read');
        failing = true;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }
}
