// Publishes committed outbox rows to Redis Streams, oldest first. One relay per database holds a
// session advisory lock and does the work; the others wait to take over if it dies. A crash
// between publishing and marking rows published means they are published again on restart:
// delivery is at least once, and consumers deduplicate by event id.
import type Redis from 'ioredis';
import pg from 'pg';
import type { Logger } from '../logger';
import { OUTBOX_CHANNEL } from './outbox';
import { settledOrOffline } from './redis';
import { streamKey } from './streams';
import type { EventEnvelope, EventType } from './contracts';

// Any constant works: advisory locks are per database, and each service has its own database.
const RELAY_LOCK = 7_283_001;

export interface OutboxRelayOptions {
  databaseUrl: string;
  redis: Redis;
  prefix: string;
  logger: Logger;
  /** How often to look for rows without a notification (crash recovery, lost notifications). */
  pollIntervalMs?: number;
  batchSize?: number;
  /** Approximate number of entries each stream keeps. */
  streamMaxLength?: number;
  /**
   * How long published outbox rows and processed-event ids are kept. Ids must outlive any
   * redelivery of their event; a day is far beyond the streams' retention at normal volume.
   */
  retentionMs?: number;
}

interface OutboxRow {
  id: string;
  event_id: string;
  stream: string;
  type: EventType;
  payload: EventEnvelope['payload'];
  created_at: Date;
}

export class OutboxRelay {
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private leader = false;
  private draining: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private lastPruned = 0;

  constructor(private readonly options: OutboxRelayOptions) {}

  async start(): Promise<void> {
    await this.connect();
    this.timer = setInterval(() => void this.tick(), this.options.pollIntervalMs ?? 1_000);
    await this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    // A publish waiting for an unreachable Redis is not waited for: its rows stay unpublished, and
    // the next relay publishes them.
    await settledOrOffline(this.options.redis, this.draining);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.databaseUrl });
    client.on('notification', () => this.wake());
    client.on('error', (error) => {
      // The session (and with it the lock) is gone: reconnect and compete for the lock again.
      this.options.logger.warn({ err: error }, 'outbox relay lost its database connection');
      this.leader = false;
      this.client = undefined;
    });
    await client.connect();
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    this.client = client;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      if (!this.client) await this.connect();
      if (!this.leader) {
        const { rows } = await this.client!.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [RELAY_LOCK]);
        this.leader = rows[0]?.locked === true;
      }
      if (this.leader) {
        this.wake();
        await this.prune();
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, 'outbox relay tick failed');
    }
  }

  /** The leader deletes what no one needs any more, at most once a minute. */
  private async prune(): Promise<void> {
    if (Date.now() - this.lastPruned < 60_000 || !this.client) return;
    this.lastPruned = Date.now();
    const cutoff = new Date(Date.now() - (this.options.retentionMs ?? 24 * 60 * 60 * 1_000));
    await this.client.query('DELETE FROM outbox WHERE published_at < $1', [cutoff]);
    await this.client.query('DELETE FROM processed_events WHERE processed_at < $1', [cutoff]);
  }

  /** Drains now, or once more right after the drain in progress. */
  private wake(): void {
    if (!this.leader || this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async drain(): Promise<void> {
    const { redis, prefix, logger, batchSize = 100, streamMaxLength = 100_000 } = this.options;
    try {
      for (;;) {
        const client = this.client;
        if (!client || this.stopped) return;
        const { rows } = await client.query<OutboxRow>(
          'SELECT id, event_id, stream, type, payload, created_at FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1',
          [batchSize],
        );
        if (!rows.length) return;
        const pipeline = redis.pipeline();
        for (const row of rows) {
          const envelope: EventEnvelope = {
            id: row.event_id,
            type: row.type,
            occurredAt: row.created_at.toISOString(),
            payload: row.payload,
          };
          pipeline.xadd(streamKey(prefix, row.stream), 'MAXLEN', '~', streamMaxLength, '*', 'event', JSON.stringify(envelope));
        }
        const results = await pipeline.exec();
        const failed = results?.find(([error]) => error);
        if (failed) throw failed[0];
        await client.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [rows.map((row) => row.id)]);
        if (rows.length < batchSize) return;
      }
    } catch (error) {
      // Left unpublished: the next notification or poll tries again.
      logger.warn({ err: error }, 'outbox relay could not publish');
    }
  }
}
