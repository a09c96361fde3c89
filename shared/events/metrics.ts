// Gauges of the event pipeline, read when Prometheus scrapes: how many events wait in the outbox
// (and for how long), and how far the service's consumer group is behind on each stream. A scrape
// never waits long for them: a read that takes longer than `timeoutMs`, or fails (database or
// Redis down), leaves its gauges empty for that scrape rather than failing or stalling /metrics.
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../logger';
import { SCRAPE_SQL_TAG } from '../metrics';
import type { ConsumerGroupState, EventBus } from './bus';

/** What the outbox gauges need of a subgraph's Prisma client. */
export interface RawQueries {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

export interface OutboxBacklog {
  /** Rows not yet published. */
  events: number;
  /** Age of the oldest of them; 0 when there are none. */
  oldestAgeSeconds: number;
}

export interface EventMetricsOptions {
  bus: Pick<EventBus, 'consumerGroups'>;
  /** The service's database: its outbox is measured when it has one (not every subgraph does). */
  db?: RawQueries;
  logger: Logger;
  /** Longest a scrape waits for the database or Redis. */
  timeoutMs?: number;
}

export function registerEventMetrics(registry: Registry, { bus, db, logger, timeoutMs = 1_000 }: EventMetricsOptions): void {
  if (db) registerOutboxMetrics(registry, boundedRead('outbox backlog', outboxReader(db), timeoutMs, logger));
  registerConsumerMetrics(
    registry,
    boundedRead('consumer group state', () => bus.consumerGroups(), timeoutMs, logger),
  );
}

/** Reads the backlog; null when the database has no outbox table. */
export function outboxReader(db: RawQueries): () => Promise<OutboxBacklog | null> {
  let hasOutbox: boolean | undefined;
  return async () => {
    if (hasOutbox === undefined) {
      const [row] = await db.$queryRawUnsafe<{ present: boolean }[]>(
        `${SCRAPE_SQL_TAG} SELECT to_regclass('outbox') IS NOT NULL AS present`,
      );
      hasOutbox = row?.present === true;
    }
    if (!hasOutbox) return null;
    // The (published_at, id) index answers this without reading the published rows.
    const [row] = await db.$queryRawUnsafe<{ events: number; oldest: number | null }[]>(
      `${SCRAPE_SQL_TAG} SELECT count(*)::int AS events, EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS oldest
         FROM outbox WHERE published_at IS NULL`,
    );
    return { events: row?.events ?? 0, oldestAgeSeconds: Math.max(row?.oldest ?? 0, 0) };
  };
}

function registerOutboxMetrics(registry: Registry, read: () => Promise<OutboxBacklog | null | undefined>): void {
  new Gauge({
    name: 'outbox_backlog_events',
    help: "Events written to this service's outbox and not yet published to the event bus.",
    registers: [registry],
    async collect() {
      const backlog = await read();
      if (backlog) this.set(backlog.events);
      // remove(), not reset(): a gauge without labels resets to 0, which would read as an empty outbox.
      else this.remove();
    },
  });
  new Gauge({
    name: 'outbox_oldest_event_age_seconds',
    help: "Age of the oldest unpublished event in this service's outbox (0 when it is empty).",
    registers: [registry],
    async collect() {
      const backlog = await read();
      if (backlog) this.set(backlog.oldestAgeSeconds);
      else this.remove();
    },
  });
}

function registerConsumerMetrics(registry: Registry, read: () => Promise<ConsumerGroupState[] | undefined>): void {
  const labelNames = ['stream', 'group'] as const;
  new Gauge({
    name: 'event_consumer_lag_events',
    help: "Events on a stream not yet delivered to this service's consumer group (Redis 7's XINFO GROUPS lag; absent when Redis cannot tell).",
    labelNames,
    registers: [registry],
    async collect() {
      const states = await read();
      this.reset();
      for (const { stream, group, lag } of states ?? []) if (lag !== null) this.set({ stream, group }, lag);
    },
  });
  new Gauge({
    name: 'event_consumer_pending_events',
    help: "Events delivered to a member of this service's consumer group and not yet acknowledged.",
    labelNames,
    registers: [registry],
    async collect() {
      const states = await read();
      this.reset();
      for (const { stream, group, pending } of states ?? []) this.set({ stream, group }, pending);
    },
  });
}

/**
 * `read` shared by the gauges of one scrape (they collect concurrently), given up after
 * `timeoutMs`: undefined then, and on failure. A read still running is joined, not repeated, so
 * a hanging database does not collect one more query per scrape.
 */
export function boundedRead<T>(
  what: string,
  read: () => Promise<T>,
  timeoutMs: number,
  logger: Logger,
): () => Promise<T | undefined> {
  let inFlight: Promise<T> | undefined;
  let failing = false;
  return async () => {
    const current = (inFlight ??= read().finally(() => {
      inFlight = undefined;
    }));
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        current,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      failing = false;
      return result;
    } catch (error) {
      // Once per outage: every scrape would repeat it.
      if (!failing) logger.warn({ err: error }, `metrics: could not read the ${what}`);
      failing = true;
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  };
}
