import Redis from 'ioredis';
import type { Logger } from '../logger';

/**
 * A Redis connection that reconnects forever and queues commands meanwhile (a blocking reader
 * must survive a Redis restart). Errors are logged, never thrown as unhandled events.
 */
export function createRedis(url: string, name: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(50 * attempt, 1_000),
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
