// Publishes committed outbox rows to the event bus, oldest first. One relay per database holds a
// session advisory lock and does the work; the others wait to take over if it dies. A crash
// between publishing and marking rows published means they are published again on restart:
// delivery is at least once, and consumers deduplicate by event id.
import { openSession, type DatabaseSession } from '../db/session';
import type { Logger } from '../logger';
import { OUTBOX_CHANNEL } from './outbox';
import type { EventEnvelope, EventType } from './contracts';
import type { RelayOptions } from './bus';

// Any constant works: advisory locks are per database, and each service has its own database.
const RELAY_LOCK = 7_283_001;

/** One outbox row on its way to the bus. */
export interface OutgoingEvent {
  stream: string;
  envelope: EventEnvelope;
}

/**
 * Where the relay publishes: resolves once the bus holds the events (Redis) or has handed them
 * to every consumer (in-process); rejects to leave them in the outbox for the next attempt.
 */
export interface EventSink {
  publish(events: OutgoingEvent[]): Promise<void>;
  /** Settles once `work` has, or at once if the bus is unreachable and `work` would wait forever. */
  settled(work: Promise<unknown> | undefined): Promise<void>;
}

export interface OutboxRelayOptions extends RelayOptions {
  databaseUrl: string;
  sink: EventSink;
  logger: Logger;
  /** How often to look for rows without a notification (crash recovery, lost notifications). */
  pollIntervalMs?: number;
  batchSize?: number;
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
  private session: DatabaseSession | undefined;
  private timer: NodeJS.Timeout | undefined;
  private leader = false;
  private draining: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private lastPruned = 0;
  /** Whether the last drain failed: one warning per outage, not one per attempt. */
  private failing = false;

  constructor(private readonly options: OutboxRelayOptions) {}

  async start(): Promise<void> {
    await this.connect();
    this.timer = setInterval(() => void this.tick(), this.options.pollIntervalMs ?? 1_000);
    await this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    // A publish the bus cannot take is not waited for: its rows stay unpublished, and the next
    // relay publishes them.
    await this.options.sink.settled(this.draining);
    await this.session?.close();
  }

  private async connect(): Promise<void> {
    const session = await openSession(this.options.databaseUrl);
    session.onLost((error) => {
      // The session (and with it the lock) is gone: reconnect and compete for the lock again.
      this.options.logger.warn({ err: error }, 'outbox relay lost its database connection');
      this.leader = false;
      this.session = undefined;
    });
    await session.listen(OUTBOX_CHANNEL, () => this.wake());
    this.session = session;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      if (!this.session) await this.connect();
      if (!this.leader) {
        this.leader = await this.session!.tryLock(RELAY_LOCK);
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
    if (Date.now() - this.lastPruned < 60_000 || !this.session) return;
    this.lastPruned = Date.now();
    const cutoff = new Date(Date.now() - (this.options.retentionMs ?? 24 * 60 * 60 * 1_000));
    await this.session.query('DELETE FROM outbox WHERE published_at < $1', [cutoff]);
    await this.session.query('DELETE FROM processed_events WHERE processed_at < $1', [cutoff]);
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
    const { sink, logger, batchSize = 100 } = this.options;
    try {
      for (;;) {
        const session = this.session;
        if (!session || this.stopped) return;
        const rows = await session.query<OutboxRow>(
          'SELECT id::text, event_id, stream, type, payload, created_at FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1',
          [batchSize],
        );
        if (!rows.length) return;
        const events = rows.map((row) => ({
          stream: row.stream,
          envelope: { id: row.event_id, type: row.type, occurredAt: row.created_at.toISOString(), payload: row.payload },
        }));
        await this.options.beforePublish?.(events.map((event) => event.envelope));
        await sink.publish(events);
        await session.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [rows.map((row) => row.id)]);
        if (this.failing) logger.info('outbox relay publishing again');
        this.failing = false;
        if (rows.length < batchSize) return;
      }
    } catch (error) {
      // Left unpublished: the next notification or poll tries again.
      if (!this.failing) logger.warn({ err: error }, 'outbox relay could not publish');
      this.failing = true;
    }
  }
}
