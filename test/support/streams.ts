// Event streams in tests without sleeping: put an envelope on a stream as the outbox relay does,
// wait for what a worker publishes with a blocking XREAD bounded by a deadline, wait for what
// a worker hands to a callback, and wait for a consumer group to have acknowledged a stream. A wait that runs out fails with what did arrive. Connection
// failures on demand too: find a connection by name to kill it, or cut Redis off (or make it
// hang) behind a proxy.
import Redis from 'ioredis';
import type { EventEnvelope, EventPayloads, EventType } from '../../shared/events/contracts';
import { parseEntry, streamKey } from '../../shared/events/streams';
import { newUuid7 } from '../../shared/uuid7';
import { TEST_EVENTS_PREFIX, TEST_REDIS_URL } from './events';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

export interface StreamEntry {
  /** The Redis entry id ("<ms>-<seq>"). */
  id: string;
  fields: string[];
  /** The envelope the entry carries; null for an entry that is not one. */
  event: EventEnvelope | null;
}

export interface StreamOptions {
  /** The key prefix; the file's TEST_EVENTS_PREFIX unless a test isolates itself further. */
  prefix?: string;
}

export interface WaitOptions extends StreamOptions {
  /** Only entries this accepts count (all by default). */
  where?: (entry: StreamEntry) => boolean;
  /** Reads entries after this id: "0-0" (the default) is the whole stream. */
  after?: string;
  timeoutMs?: number;
}

type XReadReply = [key: string, entries: [id: string, fields: string[]][]][] | null;

/** A plain connection for a test's own reads and writes; the test quits it. */
export function connectTestRedis(name = 'test'): Redis {
  return new Redis(TEST_REDIS_URL, { connectionName: name, maxRetriesPerRequest: 1 });
}

/** An envelope as the relay builds it: a fresh UUIDv7 id and the current time. */
export function buildEnvelope<T extends EventType>(
  type: T,
  payload: EventPayloads[T],
  overrides: Partial<EventEnvelope<T>> = {},
): EventEnvelope<T> {
  return { id: newUuid7(), type, occurredAt: new Date().toISOString(), payload, ...overrides };
}

/** Appends `envelope` to `stream` in the relay's entry format; returns the entry id. */
export async function publishEnvelope(
  redis: Redis,
  stream: string,
  envelope: EventEnvelope,
  { prefix = TEST_EVENTS_PREFIX }: StreamOptions = {},
): Promise<string> {
  const id = await redis.xadd(streamKey(prefix, stream), '*', 'event', JSON.stringify(envelope));
  if (!id) throw new Error(`XADD to ${stream} returned no id`);
  return id;
}

/** Every entry of `stream` now, oldest first. */
export async function readEntries(
  redis: Redis,
  stream: string,
  { prefix = TEST_EVENTS_PREFIX }: StreamOptions = {},
): Promise<StreamEntry[]> {
  const entries = await redis.xrange(streamKey(prefix, stream), '-', '+');
  return entries.map(([id, fields]) => ({ id, fields, event: parseEntry<EventEnvelope>(fields) }));
}

/**
 * Waits until `count` entries of `stream` match `where` and returns the first `count` of them,
 * oldest first. Blocks in XREAD on a connection of its own (a blocked connection can do nothing
 * else), so `redis` stays free for the test.
 */
export async function waitForEntries(
  redis: Redis,
  stream: string,
  count: number,
  options: WaitOptions = {},
): Promise<StreamEntry[]> {
  const matched = await readUntil(redis, stream, (entries) => entries.length >= count, {
    ...options,
    expected: `${count} matching entries`,
  });
  return matched.slice(0, count);
}

export interface ReadUntilOptions extends WaitOptions {
  /** What the wait is for, in the error when it runs out. */
  expected?: string;
}

/**
 * Reads `stream` as waitForEntries does until `done` holds for the entries that match `where`,
 * and returns all of those read so far, oldest first. For a wait that is not a number of
 * entries, e.g. "until the order's change to version 3 is out", along with the changes before it.
 */
export async function readUntil(
  redis: Redis,
  stream: string,
  done: (matched: StreamEntry[]) => boolean,
  {
    prefix = TEST_EVENTS_PREFIX,
    where = () => true,
    after = '0-0',
    timeoutMs = 5_000,
    expected = 'the matching entries',
  }: ReadUntilOptions = {},
): Promise<StreamEntry[]> {
  const key = streamKey(prefix, stream);
  const reader = redis.duplicate();
  const matched: StreamEntry[] = [];
  const deadline = Date.now() + timeoutMs;
  let last = after;
  try {
    while (!done(matched)) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        const seen = matched.map((entry) => entry.event?.type ?? entry.fields.join(' '));
        throw new Error(`expected ${expected} on ${key} within ${timeoutMs} ms, got ${matched.length}: ${JSON.stringify(seen)}`);
      }
      const reply: XReadReply = await reader.xread('COUNT', 100, 'BLOCK', remaining, 'STREAMS', key, last);
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          last = id;
          const entry = { id, fields, event: parseEntry<EventEnvelope>(fields) };
          if (where(entry)) matched.push(entry);
        }
      }
    }
    return matched;
  } finally {
    reader.disconnect();
  }
}

export interface CatchUpOptions extends StreamOptions {
  timeoutMs?: number;
  /** How often to look again: Redis announces no acknowledgement, so there is nothing to block on. */
  intervalMs?: number;
}

/**
 * Waits until consumer group `group` has been handed every entry of `stream` and has
 * acknowledged them all (a consumer acknowledges once its handler succeeded): how a test knows
 * that events which publish nothing have been handled. XREADGROUP and XACK raise neither
 * keyspace notifications nor client-tracking invalidations, so this checks XINFO GROUPS every
 * `intervalMs` until the deadline.
 */
export async function waitForGroupToCatchUp(
  redis: Redis,
  stream: string,
  group: string,
  { prefix = TEST_EVENTS_PREFIX, timeoutMs = 5_000, intervalMs = 10 }: CatchUpOptions = {},
): Promise<void> {
  const key = streamKey(prefix, stream);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [last] = await redis.xrevrange(key, '+', '-', 'COUNT', 1);
    const state = (await groupsOf(redis, key)).find((candidate) => candidate.name === group);
    if (state && state.pending === 0 && state.lastDeliveredId === (last?.[0] ?? '0-0')) return;
    if (Date.now() > deadline) {
      throw new Error(
        `expected group ${group} to consume ${key} within ${timeoutMs} ms; last entry ${last?.[0]}, group ${JSON.stringify(state)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

interface GroupState {
  name: string;
  pending: number;
  lastDeliveredId: string;
}

async function groupsOf(redis: Redis, key: string): Promise<GroupState[]> {
  // XINFO GROUPS answers each group as a flat [field, value, field, value, ...] list.
  const groups = (await redis.xinfo('GROUPS', key)) as unknown[][];
  return groups.map((flat) => {
    const fields = new Map<unknown, unknown>();
    for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i], flat[i + 1]);
    return {
      name: String(fields.get('name')),
      pending: Number(fields.get('pending')),
      lastDeliveredId: String(fields.get('last-delivered-id')),
    };
  });
}

/** The ids of the connections whose name `matches` (CLIENT LIST), to kill one as a network failure would. */
export async function clientIds(redis: Redis, matches: (name: string) => boolean): Promise<string[]> {
  const list = (await redis.call('CLIENT', 'LIST')) as string;
  const ids: string[] = [];
  for (const line of list.split('\n')) {
    const fields = new Map(line.split(' ').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
    const id = fields.get('id');
    if (id && matches(fields.get('name') ?? '')) ids.push(id);
  }
  return ids;
}

export interface Collector<T> {
  /** Everything received so far, in order. */
  readonly items: T[];
  /** The callback to hand to a worker (a handler, a tail's onEvent). */
  push: (item: T) => void;
  /** Resolves with the items once at least `count` arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<T[]>;
}

/** Records what a worker hands to a callback, and lets a test wait for it without sleeping. */
export function createCollector<T>(): Collector<T> {
  const items: T[] = [];
  const waiters = new Set<() => void>();
  return {
    items,
    push: (item) => {
      items.push(item);
      for (const wake of waiters) wake();
    },
    waitFor: (count, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (items.length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve([...items]);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `expected ${count} items within ${timeoutMs} ms, got ${items.length}: ${JSON.stringify(items).slice(0, 2000)}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}

export interface RedisProxy extends Pick<TcpProxy, 'cut' | 'stall' | 'restore' | 'close'> {
  /** The test Redis, reached through the proxy. */
  url: string;
}

/** A TCP proxy in front of the test Redis (host and port of TEST_REDIS_URL) that a test can cut. */
export async function startRedisProxy(): Promise<RedisProxy> {
  const target = new URL(TEST_REDIS_URL);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
  return { ...proxy, url: `redis://127.0.0.1:${proxy.port}` };
}
