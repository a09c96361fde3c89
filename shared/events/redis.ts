import Redis, { type RedisOptions } from 'ioredis';
import type { Logger } from '../logger';

/**
 * A Redis connection that reconnects forever and queues commands meanwhile (a blocking reader
 * must survive a Redis restart), unless `options` say otherwise. Errors are logged, never thrown
 * as unhandled events.
 */
export function createRedis(url: string, name: string, logger: Logger, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(50 * attempt, 1_000),
    ...options,
  });
  let warned = false;
  redis.on('error', (error) => {
    // One line per outage, not one per retry.
    if (!warned) logger.warn({ err: error, connection: name }, 'redis connection error');
    warned = true;
  });
  redis.on('ready', () => {
    if (warned) logger.info({ connection: name }, 'redis connection restored');
    warned = false;
  });
  return redis;
}

/** Closes a connection, whatever state it is in. */
export async function closeRedis(redis: Redis): Promise<void> {
  // QUIT would queue behind the commands waiting for an unreachable Redis, that is forever: a
  // connection that is not up is dropped instead, which ends its reconnection attempts too.
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

/**
 * Resolves once `work` has settled, or once `redis` is not connected: a command queued while Redis
 * is unreachable waits until it is back, so a worker that is stopping must not wait for it.
 */
export function settledOrOffline(redis: Redis, work: Promise<unknown> | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      redis.off('close', done);
      resolve();
    };
    if (!work || redis.status !== 'ready') return done();
    redis.once('close', done);
    work.then(done, done);
  });
}

/**
 * A connection that fails fast instead, for reads that have something better to do than wait for
 * an unreachable Redis: a command timeout, and once connected no offline queue. Until its first
 * connection, commands wait for it (within the timeout): at start-up Redis is not down, only not
 * connected yet.
 */
export function createFailFastRedis(url: string, name: string, logger: Logger, timeoutMs = 500): Redis {
  const redis = createRedis(url, name, logger, { maxRetriesPerRequest: 0, commandTimeout: timeoutMs });
  // ioredis reads this option at every command.
  redis.once('ready', () => (redis.options.enableOfflineQueue = false));
  return redis;
}
