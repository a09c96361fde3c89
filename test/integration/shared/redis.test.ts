// The one Redis connection policy (shared/events/redis.ts) against the real Redis behind a TCP
// proxy: a command fails at once when Redis is cut off and within the command timeout when it
// hangs, a blocking read gets its block time on top, nothing that failed is sent later, and a
// worker's start-up command waits for Redis to answer.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type Redis from 'ioredis';
import { blockingRead, closeRedis, createRedis, REDIS_COMMAND_TIMEOUT_MS, untilAnswered } from '../../../shared/events/redis';
import { createLogger } from '../../../shared/logger';
import { TEST_EVENTS_PREFIX, deleteKeys } from '../../support/events';
import { describeWithRedis } from '../../support/requirements';
import { startRedisProxy, type RedisProxy } from '../../support/streams';

const logger = createLogger('redis-test', 'silent');
const prefix = `${TEST_EVENTS_PREFIX}redis-${randomBytes(3).toString('hex')}:`;

let proxy: RedisProxy;
let redis: Redis;

beforeEach(async () => {
  proxy = await startRedisProxy();
  redis = createRedis(proxy.url, 'redis-test', logger);
  await once(redis, 'ready');
});

afterEach(async () => {
  jest.useRealTimers();
  proxy.restore();
  // Closed while up: ioredis leaves a 2 s timer behind when it drops a connection that is down.
  if (redis.status !== 'ready') await once(redis, 'ready');
  await closeRedis(redis);
  await proxy.close();
});

afterAll(() => deleteKeys(prefix));

/** Records how `promise` settled, so a test can tell "still waiting" from "failed". */
function track(promise: Promise<unknown>): { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } {
  const tracked: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { state: 'pending' };
  promise.then(
    () => (tracked.state = 'resolved'),
    (error: unknown) => Object.assign(tracked, { state: 'rejected', error }),
  );
  return tracked;
}

/** Fake timers for the command timeouts only: sockets, immediates and ticks stay real. */
const fakeTimers = () => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'queueMicrotask'] });

describeWithRedis('Redis connections', () => {
  it('should fail a command at once, well within the command timeout, when Redis is cut off', async () => {
    proxy.cut();
    const started = performance.now();
    await expect(redis.get(`${prefix}a`)).rejects.toThrow();
    // The connection is down, and every further command fails at once too, until it is back.
    await expect(redis.get(`${prefix}a`)).rejects.toThrow(/enableOfflineQueue/);
    expect(performance.now() - started).toBeLessThan(REDIS_COMMAND_TIMEOUT_MS);
  });

  it('should fail a command after the command timeout, not before, when Redis hangs', async () => {
    fakeTimers();
    proxy.stall();
    const command = track(redis.get(`${prefix}a`));
    await jest.advanceTimersByTimeAsync(REDIS_COMMAND_TIMEOUT_MS - 1);
    expect(command.state).toBe('pending');
    await jest.advanceTimersByTimeAsync(1);
    expect(command).toMatchObject({ state: 'rejected', error: expect.objectContaining({ message: 'Command timed out' }) });
  });

  it('should give a blocking read its block time on top of the command timeout', async () => {
    const key = `${prefix}stream`;
    // Longer than the command timeout, against a Redis that answers: no entries, no timeout.
    await expect(
      blockingRead(
        redis,
        'xread',
        ['BLOCK', REDIS_COMMAND_TIMEOUT_MS + 300, 'STREAMS', key, '$'],
        REDIS_COMMAND_TIMEOUT_MS + 300,
      ),
    ).resolves.toBeNull();

    fakeTimers();
    proxy.stall();
    const blockMs = 1_000;
    const read = track(blockingRead(redis, 'xread', ['BLOCK', blockMs, 'STREAMS', key, '$'], blockMs));
    await jest.advanceTimersByTimeAsync(blockMs + REDIS_COMMAND_TIMEOUT_MS - 1);
    expect(read.state).toBe('pending');
    await jest.advanceTimersByTimeAsync(1);
    expect(read).toMatchObject({ state: 'rejected', error: expect.objectContaining({ message: 'Command timed out' }) });
  });

  it('should never send a command that failed during an outage once Redis is back', async () => {
    const key = `${prefix}late`;
    proxy.cut();
    await expect(redis.incr(key)).rejects.toThrow();
    await expect(redis.incr(key)).rejects.toThrow();
    proxy.restore();
    await once(redis, 'ready');
    expect(await redis.get(key)).toBeNull();
  });

  it("should run a worker's start-up command once Redis answers", async () => {
    proxy.cut();
    const answered = untilAnswered(redis, () => redis.ping());
    // Fails while cut: the first attempt has failed by the time the connection is seen down.
    await expect(redis.ping()).rejects.toThrow();
    proxy.restore();
    await expect(answered).resolves.toBe('PONG');
  });

  it('should throw an error Redis answered with instead of trying again', async () => {
    const key = `${prefix}text`;
    await redis.set(key, 'not a number');
    await expect(untilAnswered(redis, () => redis.incr(key))).rejects.toThrow(/not an integer/);
  });
});
