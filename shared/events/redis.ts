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
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
