// Each test file gets its own Redis key prefix (jest loads this module once per file), so files
// running in parallel on one Redis never read each other's events.
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { TEST_REDIS } from './backends';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** How the services of a test reach the event bus: Redis, or the in-process bus without one. */
export const TEST_BUS_ENV: Record<string, string> =
  TEST_REDIS === 'server' ? { REDIS_URL: TEST_REDIS_URL } : { EVENT_BUS: 'in-process', REDIS_URL: '' };

export function testRunPrefix(runId = process.env.TEST_RUN_ID ?? 'adhoc'): string {
  return `test:${runId}:`;
}

export const TEST_EVENTS_PREFIX = `${testRunPrefix()}${randomBytes(4).toString('hex')}:`;

/** Deletes every key under `prefix` (global teardown uses the run's prefix). */
export async function deleteKeys(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
