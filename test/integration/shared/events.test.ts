// The event infrastructure against real PostgreSQL and Redis: the transactional outbox and its
// leader-elected relay, consumer groups (acknowledgement, reclaim, sharing, idempotency through
// the inbox, dead letters) and stream tails across a lost connection. Every wait is a blocking
// read of a stream or a callback with a deadline; nothing sleeps.
import { randomBytes, randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { EnvReader, readEventBusConfig, readSubgraphConfig } from '../../../shared/config';
import type { EventBus } from '../../../shared/events/bus';
import { createEventBus } from '../../../shared/events/create-event-bus';
import { redisSink } from '../../../shared/events/redis-bus';
import { StreamConsumer, type EventHandlers, type StreamConsumerOptions } from '../../../shared/events/consumer';
import type { EventEnvelope, EventPayloads } from '../../../shared/events/contracts';
import { claimEvent, enqueueEvent } from '../../../shared/events/outbox';
import { OutboxRelay, type OutboxRelayOptions } from '../../../shared/events/outbox-relay';
import { closeRedis, createRedis } from '../../../shared/events/redis';
import { StreamTail } from '../../../shared/events/stream-tail';
import { streamKey } from '../../../shared/events/streams';
import { createLogger } from '../../../shared/logger';
import { databaseUrlVar } from '../../../shared/services';
import { createDb, type Db } from '../../../subgraphs/order/db';
import { createTestDatabases, type TestDatabases } from '../../support/databases';
import { deleteKeys, TEST_EVENTS_PREFIX, TEST_REDIS_URL } from '../../support/events';
import { describeWithRedis } from '../../support/requirements';
import {
  buildEnvelope,
  clientIds,
  connectTestRedis,
  createCollector,
  publishEnvelope,
  readEntries,
  startRedisProxy,
  waitForEntries,
  type StreamEntry,
} from '../../support/streams';

const logger = createLogger('events-test', process.env.TEST_LOG_LEVEL ?? 'silent');
const GROUP = 'events-test';

let databases: TestDatabases;
let db: Db;
let redis: Redis;

/** What a test started, stopped after it (last started, first stopped) whether it passed or not. */
const leftovers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  databases = await createTestDatabases(['order']);
  db = createDb(readSubgraphConfig(new EnvReader({ NODE_ENV: 'test', [databaseUrlVar('order')]: databases.order }), 'order'));
  redis = connectTestRedis('events-test:admin');
});

beforeEach(async () => {
  await db.$executeRawUnsafe('TRUNCATE outbox, processed_events');
});

afterEach(async () => {
  const errors: unknown[] = [];
  for (const dispose of leftovers.splice(0).reverse()) await dispose().catch((error: unknown) => errors.push(error));
  if (errors.length) throw errors[0];
});

afterAll(async () => {
  await db?.$disconnect();
  redis?.disconnect();
  await deleteKeys(TEST_EVENTS_PREFIX);
  await databases?.drop();
});

let prefixes = 0;
/** A key prefix of the test's own: its streams, groups and dead letters are nobody else's. */
function testPrefix(): string {
  prefixes += 1;
  return `${TEST_EVENTS_PREFIX}${prefixes}:`;
}

function once(work: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= work());
}

function createDeferred(): { promise: Promise<void>; resolve(): void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** Resolves with what `work` resolves with, or with `fallback` after `ms`: a bound on a wait that may never end. */
async function within<T, F>(work: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

function buildOrderCreated(overrides: Partial<EventPayloads['OrderCreated']> = {}): EventPayloads['OrderCreated'] {
  return { orderId: randomUUID(), userId: randomUUID(), items: [{ productId: randomUUID(), quantity: 2 }], ...overrides };
}

/** Enqueues one event in a transaction of its own and commits it. */
function enqueue(payload = buildOrderCreated()): Promise<string> {
  return db.$transaction((tx) => enqueueEvent(tx, 'OrderCreated', payload));
}

function eventIds(entries: StreamEntry[]): (string | undefined)[] {
  return entries.map((entry) => entry.event?.id);
}

/** A relay that polls once a minute unless told otherwise: only a commit's notification makes it prompt. */
async function startRelay(prefix: string, options: Partial<OutboxRelayOptions> = {}) {
  const publisher = createRedis(TEST_REDIS_URL, 'events-test:publisher', logger);
  const relay = new OutboxRelay({
    databaseUrl: databases.order,
    sink: redisSink(publisher, prefix),
    logger,
    pollIntervalMs: 60_000,
    ...options,
  });
  const stop = once(async () => {
    await relay.stop();
    await closeRedis(publisher);
  });
  leftovers.push(stop);
  await relay.start();
  return { relay, publisher, stop };
}

async function startConsumer(prefix: string, handlers: EventHandlers, options: Partial<StreamConsumerOptions> = {}) {
  const connection = createRedis(TEST_REDIS_URL, 'events-test:consumer', logger);
  const consumer = new StreamConsumer({
    redis: connection,
    prefix,
    group: GROUP,
    streams: ['order'],
    handlers,
    logger,
    blockMs: 100,
    ...options,
  });
  const stop = once(async () => {
    await consumer.stop();
    await closeRedis(connection);
  });
  leftovers.push(stop);
  await consumer.start();
  return { consumer, stop };
}

/** The group's unacknowledged entries of the order stream. */
async function pending(prefix: string): Promise<{ entry: string; consumer: string; deliveries: number }[]> {
  const rows = (await redis.xpending(streamKey(prefix, 'order'), GROUP, '-', '+', 100)) as [string, string, number, number][];
  return rows.map(([entry, consumer, , deliveries]) => ({ entry, consumer, deliveries }));
}

function startBus(prefix: string) {
  // A service name of its own, so this test's connections are told apart in CLIENT LIST.
  const service = `events-test-${randomBytes(3).toString('hex')}`;
  const bus = createEventBus(
    readEventBusConfig(new EnvReader({ REDIS_URL: TEST_REDIS_URL, EVENTS_PREFIX: prefix })),
    service,
    logger,
  );
  leftovers.push(() => bus.close());
  return { bus, service };
}

async function startTail(bus: EventBus, onEvent: (event: EventEnvelope) => void) {
  const tail = bus.tail<EventEnvelope>('order', onEvent);
  leftovers.push(once(() => tail.stop()));
  await tail.start();
  return tail;
}

describeWithRedis('outbox relay', () => {
  it('should publish an event committed with its transaction promptly, with its id, type and payload', async () => {
    const prefix = testPrefix();
    await startRelay(prefix);
    const payload = buildOrderCreated();

    const eventId = await enqueue(payload);

    const [entry] = await waitForEntries(redis, 'order', 1, { prefix, timeoutMs: 2_000 });
    const row = await db.outboxEvent.findUniqueOrThrow({ where: { eventId } });
    expect(entry?.event).toEqual({ id: eventId, type: 'OrderCreated', occurredAt: row.createdAt.toISOString(), payload });
  });

  it('should never publish an event whose transaction rolled back', async () => {
    const prefix = testPrefix();
    await startRelay(prefix);
    let rolledBack = '';

    await expect(
      db.$transaction(async (tx) => {
        rolledBack = await enqueueEvent(tx, 'OrderCreated', buildOrderCreated());
        throw new Error('rolled back on purpose');
      }),
    ).rejects.toThrow('rolled back on purpose');
    // Published after the rolled-back one would have been: once it is there, the other never will be.
    const committed = await enqueue();

    await waitForEntries(redis, 'order', 1, { prefix, where: (entry) => entry.event?.id === committed, timeoutMs: 2_000 });
    expect(rolledBack).not.toBe('');
    expect(eventIds(await readEntries(redis, 'order', { prefix }))).toEqual([committed]);
    expect(await db.outboxEvent.count({ where: { eventId: rolledBack } })).toBe(0);
  });

  it('should publish rows committed while no relay ran once one starts, in outbox id order, once', async () => {
    const prefix = testPrefix();
    // The process died between commit and publish: the rows are there, nothing was relayed.
    await enqueue();
    await db.$transaction(async (tx) => {
      const { orderId, userId } = buildOrderCreated();
      await enqueueEvent(tx, 'OrderCreated', { orderId, userId, items: [{ productId: randomUUID(), quantity: 1 }] });
      await enqueueEvent(tx, 'OrderStatusChanged', {
        orderId,
        userId,
        changeId: randomUUID(),
        from: null,
        to: 'PENDING',
        at: new Date().toISOString(),
        reason: null,
        version: 1,
      });
    });
    await enqueue();
    const rows = await db.outboxEvent.findMany({ orderBy: { id: 'asc' } });
    expect(rows.map((row) => row.publishedAt)).toEqual([null, null, null, null]);

    // Batches of two: the order must hold across batches too.
    await startRelay(prefix, { batchSize: 2 });

    const published = await waitForEntries(redis, 'order', 4, { prefix });
    expect(eventIds(published)).toEqual(rows.map((row) => row.eventId));
    // A later event is a barrier: a row published twice would be on the stream before it.
    const marker = await enqueue();
    await waitForEntries(redis, 'order', 1, { prefix, where: (entry) => entry.event?.id === marker });
    expect(eventIds(await readEntries(redis, 'order', { prefix }))).toEqual([...rows.map((row) => row.eventId), marker]);
    const marked = await db.outboxEvent.findMany({ where: { id: { in: rows.map((row) => row.id) } } });
    expect(marked.filter((row) => row.publishedAt === null)).toEqual([]);
  });

  it('should let only the leader of two relays publish, every event once in order, and the other take over when it stops', async () => {
    const prefix = testPrefix();
    const leader = await startRelay(prefix, { pollIntervalMs: 100 });
    const standby = await startRelay(prefix, { pollIntervalMs: 100 });
    const leaderPublishes = jest.spyOn(leader.publisher, 'pipeline');
    const standbyPublishes = jest.spyOn(standby.publisher, 'pipeline');

    const before: string[] = [];
    for (let i = 0; i < 10; i += 1) before.push(await enqueue());
    await waitForEntries(redis, 'order', 10, { prefix });

    expect(leaderPublishes).toHaveBeenCalled();
    expect(standbyPublishes).not.toHaveBeenCalled();

    await leader.stop();
    const after: string[] = [];
    for (let i = 0; i < 5; i += 1) after.push(await enqueue());
    await waitForEntries(redis, 'order', 15, { prefix });

    expect(standbyPublishes).toHaveBeenCalled();
    expect(eventIds(await readEntries(redis, 'order', { prefix }))).toEqual([...before, ...after]);
  });

  it('should go on publishing after its database session was terminated', async () => {
    const prefix = testPrefix();
    await startRelay(prefix, { pollIntervalMs: 100 });
    const first = await enqueue();
    await waitForEntries(redis, 'order', 1, { prefix });
    // The relay's session is the one holding an advisory lock in this database.
    const sessions = await db.$queryRaw<{ pid: number }[]>`
      SELECT pid FROM pg_locks
      WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
    expect(sessions).toHaveLength(1);

    await db.$queryRaw`SELECT pg_terminate_backend(${sessions[0]?.pid}::int)`;
    const second = await enqueue();

    await waitForEntries(redis, 'order', 1, { prefix, where: (entry) => entry.event?.id === second });
    // At least once: a session that died between publishing `first` and marking it publishes it again.
    expect([...new Set(eventIds(await readEntries(redis, 'order', { prefix })))]).toEqual([first, second]);
  });
  it('should delete published rows and processed-event ids older than the retention, and keep the rest', async () => {
    const old = new Date(Date.now() - 2 * 60 * 60 * 1_000);
    await enqueue();
    await db.$executeRawUnsafe('UPDATE outbox SET published_at = $1', old);
    const pending = await db.$transaction((tx) => enqueueEvent(tx, 'OrderCreated', buildOrderCreated()));
    await db.$executeRawUnsafe(
      "INSERT INTO processed_events (consumer, event_id, processed_at) VALUES ('old', $1::uuid, $2), ('recent', $3::uuid, now())",
      randomUUID(),
      old,
      randomUUID(),
    );
    const prefix = testPrefix();
    // Pruning runs in the relay's first tick, which start() awaits.
    await startRelay(prefix, { retentionMs: 60 * 60 * 1_000 });
    await waitForEntries(redis, 'order', 1, { prefix, where: (entry) => entry.event?.id === pending });
    const outbox = await db.$queryRawUnsafe<{ event_id: string }[]>('SELECT event_id FROM outbox');
    expect(outbox.map((row) => row.event_id)).toEqual([pending]);
    const processed = await db.$queryRawUnsafe<{ consumer: string }[]>('SELECT consumer FROM processed_events');
    expect(processed.map((row) => row.consumer)).toEqual(['recent']);
  });
});

describeWithRedis('stream consumer', () => {
  it('should acknowledge an event only after its handler succeeded', async () => {
    const prefix = testPrefix();
    const seen = createCollector<{ id: string; pendingMeanwhile: number }>();
    const { stop } = await startConsumer(prefix, {
      OrderCreated: async (event) => seen.push({ id: event.id, pendingMeanwhile: (await pending(prefix)).length }),
    });
    const envelope = buildEnvelope('OrderCreated', buildOrderCreated());

    await publishEnvelope(redis, 'order', envelope, { prefix });

    expect(await seen.waitFor(1)).toEqual([{ id: envelope.id, pendingMeanwhile: 1 }]);
    // Stopping waits for the event in hand to be finished.
    await stop();
    expect(await pending(prefix)).toEqual([]);
  });

  it('should leave an event whose handler threw pending, for another consumer of the group to handle once it is idle', async () => {
    const prefix = testPrefix();
    const failures = createCollector<number>();
    const crashing = await startConsumer(prefix, {
      OrderCreated: async () => {
        failures.push(Date.now());
        throw new Error('database unavailable');
      },
    });
    const envelope = buildEnvelope('OrderCreated', buildOrderCreated());
    const entry = await publishEnvelope(redis, 'order', envelope, { prefix });
    const [failedAt = 0] = await failures.waitFor(1);
    await crashing.stop();
    expect(await pending(prefix)).toEqual([{ entry, consumer: crashing.consumer.name, deliveries: 1 }]);

    const claimIdleMs = 300;
    const handled = createCollector<{ id: string; at: number }>();
    const healthy = await startConsumer(
      prefix,
      { OrderCreated: async (event) => handled.push({ id: event.id, at: Date.now() }) },
      { claimIdleMs },
    );

    const [retry] = await handled.waitFor(1);
    expect(retry?.id).toBe(envelope.id);
    // Not before it was idle that long (less a margin: it was delivered just before the handler ran).
    expect((retry?.at ?? 0) - failedAt).toBeGreaterThanOrEqual(claimIdleMs - 50);
    await healthy.stop();
    expect(handled.items).toHaveLength(1);
    expect(await pending(prefix)).toEqual([]);
  });

  it('should share the events of its group with the other consumers, each event handled once', async () => {
    const prefix = testPrefix();
    const handled = createCollector<{ consumer: string; id: string }>();
    const bothBusy = createDeferred();
    // Each consumer holds its first event until the other has one too: the second event can only
    // have gone to the consumer that was not busy.
    const handlerOf =
      (consumer: string): EventHandlers['OrderCreated'] =>
      async (event) => {
        handled.push({ consumer, id: event.id });
        if (new Set(handled.items.map((item) => item.consumer)).size === 2) bothBusy.resolve();
        await bothBusy.promise;
      };
    const first = await startConsumer(prefix, { OrderCreated: handlerOf('first') });
    const second = await startConsumer(prefix, { OrderCreated: handlerOf('second') });
    leftovers.push(async () => bothBusy.resolve());
    const envelopes = Array.from({ length: 20 }, () => buildEnvelope('OrderCreated', buildOrderCreated()));
    const [one, two, ...rest] = envelopes;

    await publishEnvelope(redis, 'order', one!, { prefix });
    await handled.waitFor(1);
    await publishEnvelope(redis, 'order', two!, { prefix });
    const [taker1, taker2] = await handled.waitFor(2);
    expect(taker1?.consumer).not.toBe(taker2?.consumer);
    for (const envelope of rest) await publishEnvelope(redis, 'order', envelope, { prefix });

    await handled.waitFor(20);
    await first.stop();
    await second.stop();
    expect(handled.items.map((item) => item.id).sort()).toEqual(envelopes.map((envelope) => envelope.id).sort());
    expect(await pending(prefix)).toEqual([]);
  });

  /** A handler whose effect (the event it emits in turn) takes place once per event, through the inbox. */
  function idempotentHandler(claims: { push(claimed: boolean): void }, beforeClaim = async () => {}): EventHandlers {
    return {
      OrderCreated: async (event) => {
        await beforeClaim();
        const claimed = await db.$transaction(async (tx) => {
          if (!(await claimEvent(tx, GROUP, event.id))) return false;
          await enqueueEvent(tx, 'StockReserved', { orderId: event.payload.orderId, items: event.payload.items });
          return true;
        });
        claims.push(claimed);
      },
    };
  }

  function effects(): Promise<number> {
    return db.outboxEvent.count({ where: { type: 'StockReserved' } });
  }

  it('should take effect once through claimEvent when the same envelope is published twice', async () => {
    const prefix = testPrefix();
    const claims = createCollector<boolean>();
    await startConsumer(prefix, idempotentHandler(claims));
    const envelope = buildEnvelope('OrderCreated', buildOrderCreated());

    await publishEnvelope(redis, 'order', envelope, { prefix });
    await publishEnvelope(redis, 'order', envelope, { prefix });

    expect(await claims.waitFor(2)).toEqual([true, false]);
    expect(await effects()).toBe(1);
    expect(await db.processedEvent.count({ where: { consumer: GROUP, eventId: envelope.id } })).toBe(1);
  });

  it('should take effect once through claimEvent when two consumers handle both copies of an envelope at the same time', async () => {
    const prefix = testPrefix();
    const claims = createCollector<boolean>();
    const arrived = createCollector<true>();
    const bothArrived = createDeferred();
    const meetTheOther = async () => {
      arrived.push(true);
      if (arrived.items.length === 2) bothArrived.resolve();
      await bothArrived.promise;
    };
    await startConsumer(prefix, idempotentHandler(claims, meetTheOther));
    await startConsumer(prefix, idempotentHandler(claims, meetTheOther));
    leftovers.push(async () => bothArrived.resolve());
    const envelope = buildEnvelope('OrderCreated', buildOrderCreated());

    await publishEnvelope(redis, 'order', envelope, { prefix });
    await arrived.waitFor(1);
    await publishEnvelope(redis, 'order', envelope, { prefix });

    expect((await claims.waitFor(2)).sort()).toEqual([false, true]);
    expect(await effects()).toBe(1);
  });

  it('should move an entry that is no envelope to the dead-letter stream and go on with the next', async () => {
    const prefix = testPrefix();
    const key = streamKey(prefix, 'order');
    const handled = createCollector<string>();
    const { stop } = await startConsumer(prefix, { OrderCreated: async (event) => handled.push(event.id) });
    const envelope = buildEnvelope('OrderCreated', buildOrderCreated());

    const garbled = await redis.xadd(key, '*', 'event', '{"id": "cut sho');
    const foreign = await redis.xadd(key, '*', 'note', 'not an event');
    await publishEnvelope(redis, 'order', envelope, { prefix });

    const dead = await waitForEntries(redis, 'dead-letter', 2, { prefix });
    expect(dead.map((entry) => entry.fields)).toEqual([
      ['stream', key, 'group', GROUP, 'entry', garbled, 'event', '{"id": "cut sho'],
      ['stream', key, 'group', GROUP, 'entry', foreign, 'note', 'not an event'],
    ]);
    expect(await handled.waitFor(1)).toEqual([envelope.id]);
    await stop();
    expect(await pending(prefix)).toEqual([]);
  });

  it('should move an event to the dead-letter stream once its handler failed maxDeliveries times', async () => {
    const prefix = testPrefix();
    const attempts = createCollector<string>();
    const { stop } = await startConsumer(
      prefix,
      {
        OrderCreated: async (event) => {
          attempts.push(event.id);
          throw new Error('never works');
        },
      },
      { claimIdleMs: 100, maxDeliveries: 3 },
    );
    const envelope = buildEnvelope('OrderCreated', buildOrderCreated());

    const entry = await publishEnvelope(redis, 'order', envelope, { prefix });

    const [dead] = await waitForEntries(redis, 'dead-letter', 1, { prefix });
    expect(dead?.fields.slice(0, 6)).toEqual(['stream', streamKey(prefix, 'order'), 'group', GROUP, 'entry', entry]);
    expect(dead?.event).toEqual(envelope);
    await stop();
    expect(attempts.items).toEqual([envelope.id, envelope.id, envelope.id]);
    expect(await pending(prefix)).toEqual([]);
  });

  it('should go on consuming after its stream and group vanished, as on a Redis restarted without persistence', async () => {
    const prefix = testPrefix();
    const handled = createCollector<string>();
    await startConsumer(prefix, { OrderCreated: async (event) => handled.push(event.id) });
    const before = buildEnvelope('OrderCreated', buildOrderCreated());
    await publishEnvelope(redis, 'order', before, { prefix });
    await handled.waitFor(1);

    await redis.del(streamKey(prefix, 'order'));
    const after = buildEnvelope('OrderCreated', buildOrderCreated());
    await publishEnvelope(redis, 'order', after, { prefix });

    expect(await handled.waitFor(2)).toEqual([before.id, after.id]);
  });
});

// Before the tails' tests: ioredis leaves a 2 s timer behind when it drops a connection that is
// down (AbstractConnector.disconnect), which would keep jest from exiting promptly if this ran last.
describeWithRedis('shutdown', () => {
  it('should stop every worker and close its connections while Redis is unreachable, leaving unpublished rows for the next relay', async () => {
    const prefix = testPrefix();
    const proxy = await startRedisProxy();
    leftovers.push(() => proxy.close());
    const connect = (purpose: string) => createRedis(proxy.url, `events-test:${purpose}`, logger);
    const [publisher, consumerConnection, tailConnection] = [connect('publisher'), connect('consumer'), connect('tail')];
    const relay = new OutboxRelay({
      databaseUrl: databases.order,
      sink: redisSink(publisher, prefix),
      logger,
      pollIntervalMs: 60_000,
    });
    const consumer = new StreamConsumer({
      redis: consumerConnection,
      prefix,
      group: GROUP,
      streams: ['order'],
      handlers: {},
      logger,
      blockMs: 100,
    });
    const tail = new StreamTail<EventEnvelope>({
      redis: tailConnection,
      prefix,
      stream: 'order',
      logger,
      onEvent: () => {},
      blockMs: 100,
    });
    // What a subgraph does on SIGTERM: workers first, then their connections.
    const shutdown = once(async () => {
      await relay.stop();
      await consumer.stop();
      await tail.stop();
      for (const connection of [publisher, consumerConnection, tailConnection]) await closeRedis(connection);
    });
    leftovers.push(shutdown);
    // Should shutting down hang, Redis coming back lets the clean-up finish.
    leftovers.push(async () => proxy.restore());
    for (const worker of [relay, consumer, tail]) await worker.start();
    const publishing = createCollector<true>();
    const pipeline = publisher.pipeline.bind(publisher);
    jest.spyOn(publisher, 'pipeline').mockImplementation((...args) => {
      publishing.push(true);
      return pipeline(...args);
    });

    proxy.cut();
    const eventId = await enqueue();
    await publishing.waitFor(1);

    expect(
      await within(
        shutdown().then(() => 'stopped'),
        5_000,
        'still stopping',
      ),
    ).toBe('stopped');
    expect(await db.outboxEvent.findUniqueOrThrow({ where: { eventId } })).toMatchObject({ publishedAt: null });
    proxy.restore();
    await startRelay(prefix);
    await waitForEntries(redis, 'order', 1, { prefix });
    expect(eventIds(await readEntries(redis, 'order', { prefix }))).toEqual([eventId]);
  });
});

describeWithRedis('stream tail', () => {
  it('should see only the events published after it started', async () => {
    const prefix = testPrefix();
    const { bus } = startBus(prefix);
    await publishEnvelope(redis, 'order', buildEnvelope('OrderCreated', buildOrderCreated()), { prefix });
    const seen = createCollector<EventEnvelope>();
    await startTail(bus, seen.push);

    const later = [buildEnvelope('OrderCreated', buildOrderCreated()), buildEnvelope('OrderCreated', buildOrderCreated())];
    for (const envelope of later) await publishEnvelope(redis, 'order', envelope, { prefix });

    expect((await seen.waitFor(2)).map((event) => event.id)).toEqual(later.map((envelope) => envelope.id));
  });

  it('should deliver the events added while its connection was down, in order and once', async () => {
    const prefix = testPrefix();
    const key = streamKey(prefix, 'order');
    const { bus, service } = startBus(prefix);
    const seen = createCollector<EventEnvelope>();
    // On a stream that does not exist yet: its first events count as "after start" too.
    await startTail(bus, seen.push);
    const [first, second, third, fourth] = Array.from({ length: 4 }, () => buildEnvelope('OrderCreated', buildOrderCreated()));
    await publishEnvelope(redis, 'order', first!, { prefix });
    await seen.waitFor(1);
    const isTail = (name: string) => name.endsWith(`${service}:tail`);
    const [tailConnection, ...others] = await clientIds(redis, isTail);
    expect(others).toEqual([]);

    // One transaction: both entries are added after the kill, before the tail can reconnect.
    const results = await redis
      .multi()
      .call('CLIENT', 'KILL', 'ID', tailConnection!)
      .xadd(key, '*', 'event', JSON.stringify(second))
      .xadd(key, '*', 'event', JSON.stringify(third))
      .exec();
    expect(results?.[0]).toEqual([null, 1]);

    expect((await seen.waitFor(3)).map((event) => event.id)).toEqual([first, second, third].map((envelope) => envelope!.id));
    const [reconnected] = await clientIds(redis, isTail);
    expect(reconnected).toBeDefined();
    expect(reconnected).not.toBe(tailConnection);
    // A later event is a barrier: anything delivered twice would arrive before it.
    await publishEnvelope(redis, 'order', fourth!, { prefix });
    expect((await seen.waitFor(4)).map((event) => event.id)).toEqual(
      [first, second, third, fourth].map((envelope) => envelope!.id),
    );
  });
});
