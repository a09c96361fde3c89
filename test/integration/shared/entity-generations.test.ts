// Entity generations, one suite for both implementations, each reached as services reach it:
// through their event bus, a writer (the owning subgraph) and a reader (the gateway).
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  GENERATIONS_RECOVERY_MS,
  RedisEntityGenerations,
  type EntityGenerations,
} from '../../../shared/cache/entity-generations';
import type { EventBus, EventBusConfig } from '../../../shared/events/bus';
import { createEventBus } from '../../../shared/events/create-event-bus';
import { closeRedis, createRedis } from '../../../shared/events/redis';
import { createLogger } from '../../../shared/logger';
import { TEST_EVENTS_PREFIX, TEST_REDIS_URL, deleteKeys } from '../../support/events';
import { describeWithRedis } from '../../support/requirements';
import { startRedisProxy } from '../../support/streams';

const logger = createLogger('entity-generations-test', 'silent');
const buses: EventBus[] = [];

afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
});

function bus(config: EventBusConfig): EventBus {
  const created = createEventBus(config, 'generations-test', logger);
  buses.push(created);
  return created;
}

interface Implementation {
  /** A writer and a reader sharing generations under a prefix of their own. */
  pair(): { writer: EntityGenerations; reader: EntityGenerations; prefix: string };
}

const freshPrefix = () => `${TEST_EVENTS_PREFIX}generations-${randomBytes(3).toString('hex')}:`;

const memory: Implementation = {
  pair: () => {
    const prefix = freshPrefix();
    const config = { redisUrl: null, prefix, relay: false };
    return { writer: bus(config).entityGenerations('writer'), reader: bus(config).entityGenerations('reader'), prefix };
  },
};

const redis: Implementation = {
  pair: () => {
    const prefix = freshPrefix();
    const config = { redisUrl: TEST_REDIS_URL, prefix, relay: false };
    return { writer: bus(config).entityGenerations('writer'), reader: bus(config).entityGenerations('reader'), prefix };
  },
};

function suite(implementation: Implementation) {
  it('should give every id a generation that stays the same until it is bumped', async () => {
    const { reader } = implementation.pair();
    const first = await reader.read('Product', ['a', 'b']);
    expect(first).toHaveLength(2);
    expect(await reader.read('Product', ['a', 'b'])).toEqual(first);
  });

  it('should move exactly the bumped ids to generations never seen before, as the reader sees it', async () => {
    const { writer, reader } = implementation.pair();
    const seen = [await reader.read('Product', ['a', 'b'])];
    for (let i = 0; i < 3; i += 1) {
      await writer.bump('Product', ['a', 'a']);
      seen.push(await reader.read('Product', ['a', 'b']));
    }
    const generationsOfA = seen.map(([a]) => a);
    expect(new Set(generationsOfA).size).toBe(4);
    expect(new Set(seen.map(([, b]) => b)).size).toBe(1);
  });

  it('should keep types apart', async () => {
    const { writer, reader } = implementation.pair();
    const [before] = await reader.read('Category', ['a']);
    await writer.bump('Product', ['a']);
    expect(await reader.read('Category', ['a'])).toEqual([before]);
  });
}

describe('in-memory entity generations', () => {
  suite(memory);

  it('should refuse reads in a process where no service bumps them', async () => {
    const prefix = freshPrefix();
    const writerBus = bus({ redisUrl: null, prefix, relay: false });
    const reader = bus({ redisUrl: null, prefix, relay: false }).entityGenerations('reader');
    await expect(reader.read('Product', ['a'])).rejects.toThrow(/no service of this process/);
    writerBus.entityGenerations('writer');
    await expect(reader.read('Product', ['a'])).resolves.toHaveLength(1);
    await writerBus.close();
    await expect(reader.read('Product', ['a'])).rejects.toThrow(/no service of this process/);
  });
});

describeWithRedis('Redis entity generations', () => {
  suite(redis);

  it('should never give back a generation read before Redis lost its data', async () => {
    const { writer, reader, prefix } = redis.pair();
    await writer.bump('Product', ['a']);
    const [before] = await reader.read('Product', ['a']);
    await deleteKeys(prefix);
    await writer.bump('Product', ['a']);
    const [after] = await reader.read('Product', ['a']);
    expect(after).not.toBe(before);
  });

  it('should not trust generations until a while after an outage, and never give back a token read before it', async () => {
    const proxy = await startRedisProxy();
    const connection = createRedis(proxy.url, 'generations-test:reader', logger);
    // Only the clock is fake: the connection, its reconnection and its timeouts run for real.
    jest.useFakeTimers({
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    try {
      const reader = new RedisEntityGenerations(connection, freshPrefix());
      const [before] = await reader.read('Product', ['a']);

      proxy.cut();
      await expect(reader.read('Product', ['a'])).rejects.toThrow();
      proxy.restore();
      await once(connection, 'ready');
      // Redis answers again, but a bump that could not be made meanwhile may still be missing.
      await expect(reader.read('Product', ['a'])).rejects.toThrow(/not trusted/);
      jest.advanceTimersByTime(GENERATIONS_RECOVERY_MS - 1);
      await expect(reader.read('Product', ['a'])).rejects.toThrow(/not trusted/);
      jest.advanceTimersByTime(1);
      const [after] = await reader.read('Product', ['a']);
      // Nothing was bumped, yet what a cache stored before the outage is never read again.
      expect(after).not.toBe(before);
      expect(await reader.read('Product', ['a'])).toEqual([after]);
    } finally {
      jest.useRealTimers();
      await closeRedis(connection);
      await proxy.close();
    }
  });

  it("should fail a reader's reads at once while Redis is unreachable", async () => {
    const proxy = await startRedisProxy();
    const readerBus = bus({ redisUrl: proxy.url, prefix: freshPrefix(), relay: false });
    try {
      const reader = readerBus.entityGenerations('reader');
      await expect(reader.read('Product', ['a'])).resolves.toHaveLength(1);
      proxy.cut();
      await expect(reader.read('Product', ['a'])).rejects.toThrow();
    } finally {
      await readerBus.close();
      await proxy.close();
    }
  });
});
