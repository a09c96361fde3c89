// Every Redis connection of every service is made here, with one policy: no command waits for an
// unreachable Redis. A caller that has something better to do (answer a mutation, read without
// the cache, count a rate limit in memory, leave events in the outbox for the next attempt) hears
// of an outage at once, or within REDIS_COMMAND_TIMEOUT_MS when Redis hangs. Waiting for a
// connection is explicit and bounded: for a new one (firstConnected), or until Redis answers for a
// worker that has nothing better to do (untilAnswered).
import Redis, { Command } from 'ioredis';
import type { Logger } from '../logger';

/** A command not answered within this fails; a blocking read gets this on top of its block time. */
export const REDIS_COMMAND_TIMEOUT_MS = 500;
/** A connection attempt not established within this is dropped and tried again. */
export const REDIS_CONNECT_TIMEOUT_MS = 2_000;
/** The longest pause between two reconnection attempts. */
export const REDIS_RECONNECT_MAX_DELAY_MS = 1_000;

export interface RedisConnectionOptions {
  /** Log lines for the start and the end of an outage, when the generic ones say too little. */
  messages?: { down: string; up: string };
}

/**
 * A connection that reconnects forever, and meanwhile fails every command at once: no offline
 * queue, so nothing is sent late, after its caller gave up on it (a late XADD would publish twice).
 * A command in flight when the connection drops fails too, and is never sent again
 * (maxRetriesPerRequest 0). Errors are logged once per outage, never thrown as unhandled events.
 */
export function createRedis(url: string, name: string, logger: Logger, { messages }: RedisConnectionOptions = {}): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(50 * attempt, REDIS_RECONNECT_MAX_DELAY_MS),
  });
  let warned = false;
  redis.once('ready', () => connectedOnce.add(redis));
  redis.on('error', (error) => {
    // One line per outage, not one per retry.
    if (!warned) logger.warn({ err: error, connection: name }, messages?.down ?? 'redis connection error');
    warned = true;
  });
  redis.on('ready', () => {
    if (warned) logger.info({ connection: name }, messages?.up ?? 'redis connection restored');
    warned = false;
  });
  return redis;
}

/** Connections that have been up: one that is down now is in an outage, not starting. */
const connectedOnce = new WeakSet<Redis>();

/**
 * Resolves at once for a connection that is up, or has been (down now is an outage: its commands
 * fail at once); a new one is waited for until it is up, `timeoutMs` at most. At start-up Redis
 * is not down, only not connected yet.
 */
export function firstConnected(redis: Redis, timeoutMs = REDIS_COMMAND_TIMEOUT_MS): Promise<void> {
  if (redis.status === 'ready' || connectedOnce.has(redis) || redis.status === 'end') return Promise.resolve();
  return connected(redis, timeoutMs);
}

/**
 * XREAD or XREADGROUP with `BLOCK blockMs` among `args`. Its timeout counts from the end of the
 * block: the connection's command timeout would fail every read that blocks longer than it.
 */
export async function blockingRead<T>(
  redis: Redis,
  name: 'xread' | 'xreadgroup',
  args: (string | number)[],
  blockMs: number,
): Promise<T | null> {
  const command = new Command(name, args, { replyEncoding: 'utf8' });
  // ioredis arms a command's timeout once: armed here, the connection's shorter one is not applied.
  command.setTimeout(blockMs + REDIS_COMMAND_TIMEOUT_MS);
  return (await (redis.sendCommand(command) as Promise<unknown>)) as T | null;
}

/**
 * Runs `command` until Redis answers it, waiting for the connection between attempts: for what a
 * worker must do before it can start (create its consumer group, find the end of a stream),
 * which at start-up only waits for the first connection. An error Redis answered with is thrown;
 * so is every failure once the connection is closed for good.
 */
export async function untilAnswered<T>(redis: Redis, command: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await command();
    } catch (error) {
      if (answeredByRedis(error) || redis.status === 'end') throw error;
      await connected(redis, REDIS_RECONNECT_MAX_DELAY_MS);
    }
  }
}

/** Whether Redis itself answered with this error (as opposed to not answering at all). */
export function answeredByRedis(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

/** Resolves once `redis` is connected, or after `timeoutMs` at the latest. */
function connected(redis: Redis, timeoutMs: number): Promise<void> {
  // Up, yet the command failed (it timed out): a pause before the next attempt.
  if (redis.status === 'ready') return new Promise((resolve) => setTimeout(resolve, 50));
  return readyOrTimeout(redis, timeoutMs);
}

/** Resolves at once when `redis` is up, else once it is, or after `timeoutMs` without it. */
export function readyOrTimeout(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once('ready', done);
  });
}

/** Closes a connection, whatever state it is in. */
export async function closeRedis(redis: Redis): Promise<void> {
  // A connection that is not up is dropped instead, which ends its reconnection attempts too.
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
