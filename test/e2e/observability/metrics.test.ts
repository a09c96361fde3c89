// What every service reports on /metrics for operations: operations by name on the gateway and on
// the subgraphs it fetches from, a bounded name label, open subscriptions, the outbox backlog and
// the consumer groups' lag, read from real processes, a real database and a real Redis.
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { EventBus } from '../../../shared/events/bus';
import { createEventBus } from '../../../shared/events/create-event-bus';
import { boundedRead, registerEventMetrics, type RawQueries } from '../../../shared/events/metrics';
import { streamKey } from '../../../shared/events/streams';
import { createLogger } from '../../../shared/logger';
import { createMetrics } from '../../../shared/metrics';
import { OperationLabel, OperationNames, OPERATION_DURATION_METRIC } from '../../../shared/server/operation-metrics';
import type { ServiceProcess } from '../../../shared/process/service-process';
import { databaseUrlVar } from '../../../shared/services';
import { ADMIN, as } from '../../support/auth';
import { createTestDatabases, type TestDatabases } from '../../support/databases';
import { TEST_EVENTS_PREFIX, TEST_REDIS_URL } from '../../support/events';
import { graphql, ok } from '../../support/graphql';
import { metricSamples, metricValue, scrapeMetric, scrapeMetrics, statementCount } from '../../support/metrics';
import { pollUntil } from '../../support/poll';
import { describeWithRedis } from '../../support/requirements';
import { startStack, type Stack } from '../../support/stack';
import { buildEnvelope, connectTestRedis, publishEnvelope, waitForGroupToCatchUp } from '../../support/streams';
import { subscribe } from '../../support/subscriptions';
import { createBuyer, createProduct, placeOrder } from '../helpers';

const OPERATION_COUNT = `${OPERATION_DURATION_METRIC}_count`;
const silent = createLogger('test', 'silent');

/** Polls `read` until it returns `expected`, failing with the last value after `timeoutMs`. */
async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 10_000): Promise<void> {
  const value = await pollUntil(read, (value) => value === expected, { timeoutMs, intervalMs: 50 });
  if (value !== expected) throw new Error(`expected ${String(expected)} within ${timeoutMs} ms, last ${String(value)}`);
}

describe('operation name label', () => {
  it('should keep valid names up to the bound and label the rest "(other)"', () => {
    const names = new OperationNames(3);
    expect(['A', 'B', 'C'].map((name) => names.label(name))).toEqual(['A', 'B', 'C']);
    const labels = new Set(Array.from({ length: 1_000 }, (_, i) => names.label(`Op${i}`)));
    expect([...labels]).toEqual([OperationLabel.OTHER]);
    // Names admitted before the bound was reached keep their own series.
    expect(names.label('B')).toBe('B');
  });

  it('should label anonymous operations and names no GraphQL document can have', () => {
    const names = new OperationNames();
    expect(names.label(undefined)).toBe(OperationLabel.ANONYMOUS);
    expect(names.label('')).toBe(OperationLabel.ANONYMOUS);
    expect(names.label('not a name')).toBe(OperationLabel.OTHER);
    expect(names.label('x'.repeat(129))).toBe(OperationLabel.OTHER);
    expect(names.label('OrderHistory__order__1')).toBe('OrderHistory__order__1');
  });
});

describe('event metrics without a reachable backend', () => {
  it('should give up a read that does not answer within its bound', async () => {
    const read = boundedRead('never', () => new Promise<number>(() => {}), 50, silent);
    const started = Date.now();
    await expect(read()).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('should leave the outbox gauges empty while the database does not answer', async () => {
    const { registry } = createMetrics('order');
    const hanging: RawQueries = { $queryRawUnsafe: () => new Promise(() => {}) };
    registerEventMetrics(registry, { bus: { consumerGroups: async () => [] }, db: hanging, logger: silent, timeoutMs: 50 });
    const text = await registry.metrics();
    expect(text).toContain('# TYPE outbox_backlog_events gauge');
    expect(metricSamples(text, 'outbox_backlog_events')).toEqual([]);
    expect(metricSamples(text, 'outbox_oldest_event_age_seconds')).toEqual([]);
  });

  it('should report no consumer groups on the in-process bus', async () => {
    const bus = createEventBus({ redisUrl: null, prefix: TEST_EVENTS_PREFIX, relay: false }, 'payment', silent);
    bus.consumer(['order'], {});
    const { registry } = createMetrics('payment');
    registerEventMetrics(registry, { bus, logger: silent });
    const text = await registry.metrics();
    expect(metricSamples(text, 'event_consumer_lag_events')).toEqual([]);
    expect(metricSamples(text, 'event_consumer_pending_events')).toEqual([]);
    await bus.close();
  });
});

describe('metrics of the running supergraph', () => {
  let databases: TestDatabases;
  let stack: Stack;

  beforeAll(async () => {
    databases = await createTestDatabases();
    stack = await startStack(databases);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await databases?.drop();
  });

  it('should count a named operation by its name on the gateway and on each subgraph it fetched from', async () => {
    await createBuyer(stack.admin);
    const query = `query MetricsProbe { users(first: 1) { edges { node { id orders(first: 1) { id } } } } }`;
    for (let i = 0; i < 3; i += 1) await ok(stack.admin, query);

    const gateway = await scrapeMetrics(stack.gatewayUrl);
    const labels = { operation_name: 'MetricsProbe', operation_type: 'query', outcome: 'success' };
    expect(metricValue(gateway, OPERATION_COUNT, labels)).toBe(3);
    expect(metricValue(gateway, `${OPERATION_DURATION_METRIC}_bucket`, { ...labels, le: '+Inf' })).toBe(3);
    expect(metricValue(gateway, `${OPERATION_DURATION_METRIC}_sum`, labels)).toBeGreaterThan(0);
    expect(
      metricSamples(gateway, OPERATION_COUNT).find((sample) => sample.labels.operation_name === 'MetricsProbe')?.labels,
    ).toMatchObject({ service: 'gateway' });

    // Apollo Gateway names each subgraph fetch after the client's operation.
    for (const subgraph of ['user', 'order'] as const) {
      const samples = metricSamples(await scrapeMetrics(stack.subgraphs[subgraph].url), OPERATION_COUNT).filter((sample) =>
        sample.labels.operation_name?.startsWith(`MetricsProbe__${subgraph}__`),
      );
      expect(samples.map((sample) => sample.labels)).toEqual([
        expect.objectContaining({ operation_type: 'query', outcome: 'success', service: subgraph }),
      ]);
      expect(samples[0]?.value).toBe(3);
    }
    // The product subgraph took no part.
    const product = metricSamples(await scrapeMetrics(stack.subgraphs.product.url), OPERATION_COUNT);
    expect(product.filter((sample) => sample.labels.operation_name?.startsWith('MetricsProbe'))).toEqual([]);
  });

  it('should label anonymous, invalid and failed operations apart', async () => {
    const count = (labels: Record<string, string>) => scrapeMetric(stack.gatewayUrl, OPERATION_COUNT, labels);
    const anonymous = { operation_name: OperationLabel.ANONYMOUS, operation_type: 'query', outcome: 'success' };
    const invalid = { operation_name: OperationLabel.INVALID, operation_type: 'unknown', outcome: 'invalid' };
    const failed = { operation_name: 'MetricsForbidden', operation_type: 'query', outcome: 'error' };
    const before = { anonymous: await count(anonymous), invalid: await count(invalid), failed: await count(failed) };

    await ok(stack.gatewayUrl, '{ __typename }');
    expect((await graphql(stack.gatewayUrl, 'query MetricsBroken { noSuchField }')).errors).toHaveLength(1);
    expect((await graphql(stack.gatewayUrl, 'query MetricsUnparsed {')).errors).toHaveLength(1);
    // Anonymous callers may not list users.
    expect(
      (await graphql(stack.gatewayUrl, 'query MetricsForbidden { users(first: 1) { edges { node { id } } } }')).errors,
    ).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: expect.any(String) }) })]);

    expect(await count(anonymous)).toBe(before.anonymous + 1);
    expect(await count(invalid)).toBe(before.invalid + 2);
    expect(await count(failed)).toBe(before.failed + 1);
    // Names of invalid requests never become labels.
    expect(await count({ operation_name: 'MetricsBroken' })).toBe(0);
  });

  it('should count open subscriptions up and down', async () => {
    const active = () => scrapeMetric(stack.gatewayUrl, 'subscriptions_active');
    expect(await active()).toBe(0);
    const first = await subscribe(stack.admin, 'subscription { orderStatusChanged { orderId } }');
    const second = await subscribe(stack.admin, 'subscription { orderStatusChanged { orderId to } }');
    try {
      expect(await active()).toBe(2);
      // complete() resolves once the gateway has processed it: no waiting needed.
      await first.complete();
      expect(await active()).toBe(1);
    } finally {
      await first.close();
      await second.close();
    }
    // A closed socket is released when the gateway sees it close.
    await eventually(active, 0);
  });

  it('should not count the SQL of a scrape among the statements the service sent', async () => {
    const { url } = stack.subgraphs.order;
    const first = await statementCount(url);
    expect(await statementCount(url)).toBe(first);
    expect(await statementCount(url)).toBe(first);
  });

  it('should report an outbox only on the subgraphs that have one', async () => {
    for (const name of ['product', 'order', 'payment'] as const) {
      expect(metricSamples(await scrapeMetrics(stack.subgraphs[name].url), 'outbox_backlog_events')).toHaveLength(1);
    }
    const user = await scrapeMetrics(stack.subgraphs.user.url);
    expect(metricSamples(user, 'outbox_backlog_events')).toEqual([]);
    expect(metricSamples(user, 'event_consumer_lag_events')).toEqual([]);
  });

  describeWithRedis('events', () => {
    let redis: Redis;

    beforeAll(() => {
      redis = connectTestRedis('metrics-test');
    });

    afterAll(async () => {
      await redis?.quit();
    });

    it("should report each outbox's unpublished events, and none once a relay publishes them", async () => {
      const extra = await createTestDatabases(['order']);
      // An order instance on a database of its own that only writes events, under a prefix of its
      // own so that nothing it consumes or publishes meets the stack's.
      const prefix = `${TEST_EVENTS_PREFIX}outbox:`;
      const env = { [databaseUrlVar('order')]: extra.order, EVENTS_PREFIX: prefix };
      let writer: ServiceProcess | undefined;
      let relay: ServiceProcess | undefined;
      try {
        writer = await stack.start('order', { ...env, OUTBOX_RELAY: 'off' });
        const buyer = await createBuyer(stack.admin);
        const productId = await createProduct(stack.admin);
        const direct = as(ADMIN, writer.url, 'subgraph');
        expect(await scrapeMetric(writer.url, 'outbox_backlog_events')).toBe(0);
        expect(await scrapeMetric(writer.url, 'outbox_oldest_event_age_seconds')).toBe(0);

        // Each order writes two events: OrderCreated and its first OrderStatusChanged.
        await placeOrder(direct, buyer, productId);
        await placeOrder(direct, buyer, productId);
        const text = await scrapeMetrics(writer.url);
        expect(metricSamples(text, 'outbox_backlog_events')).toEqual([
          { name: 'outbox_backlog_events', labels: { service: 'order' }, value: 4 },
        ]);
        const age = metricValue(text, 'outbox_oldest_event_age_seconds');
        expect(age).toBeGreaterThan(0);
        expect(age).toBeLessThan(60);

        await writer.stop();
        relay = await stack.start('order', env);
        await eventually(() => scrapeMetric(relay!.url, 'outbox_backlog_events'), 0);
        expect(await scrapeMetric(relay.url, 'outbox_oldest_event_age_seconds')).toBe(0);
      } finally {
        await writer?.stop();
        await relay?.stop();
        await extra.drop();
      }
    }, 60_000);

    it("should report a running consumer group's state on the order stream", async () => {
      // An event on the order stream that no one reacts to: each group reads and acknowledges it.
      await publishEnvelope(
        redis,
        'order',
        buildEnvelope('OrderStatusChanged', {
          orderId: randomUUID(),
          userId: randomUUID(),
          changeId: randomUUID(),
          from: 'PAID',
          to: 'SHIPPED',
          at: new Date().toISOString(),
          reason: null,
          version: 1,
        }),
      );
      for (const group of ['product', 'payment'] as const) {
        await waitForGroupToCatchUp(redis, 'order', group);
        const text = await scrapeMetrics(stack.subgraphs[group].url);
        const labels = { stream: 'order', group, service: group };
        expect(metricSamples(text, 'event_consumer_pending_events')).toContainEqual(
          expect.objectContaining({ labels, value: 0 }),
        );
        expect(metricSamples(text, 'event_consumer_lag_events')).toContainEqual(expect.objectContaining({ labels, value: 0 }));
      }
    });

    describe('consumer lag', () => {
      const prefix = `${TEST_EVENTS_PREFIX}lag:`;
      let bus: EventBus;

      afterEach(async () => {
        await bus?.close();
      });

      it('should report events not yet delivered to the group as lag, and delivered ones as pending', async () => {
        bus = createEventBus({ redisUrl: TEST_REDIS_URL, prefix, relay: false }, 'payment', silent);
        // The group reads the order stream, but no member is reading: as while every instance is down.
        bus.consumer(['order'], {});
        const { registry } = createMetrics('payment');
        registerEventMetrics(registry, { bus, logger: silent });
        const labels = { stream: 'order', group: 'payment', service: 'payment' };
        const key = streamKey(prefix, 'order');

        // Before the group exists there is nothing to report.
        expect(metricSamples(await registry.metrics(), 'event_consumer_lag_events')).toEqual([]);
        await redis.xgroup('CREATE', key, 'payment', '0', 'MKSTREAM');
        for (let i = 0; i < 5; i += 1) {
          await publishEnvelope(redis, 'order', buildEnvelope('OrderCreated', metricsOrder(i)), { prefix });
        }
        let text = await registry.metrics();
        expect(metricValue(text, 'event_consumer_lag_events', labels)).toBe(5);
        expect(metricValue(text, 'event_consumer_pending_events', labels)).toBe(0);

        // A member takes two and acknowledges one.
        const [[, entries] = ['', []]] = (await redis.xreadgroup(
          'GROUP',
          'payment',
          'probe',
          'COUNT',
          2,
          'STREAMS',
          key,
          '>',
        )) as [string, [string, string[]][]][];
        expect(entries).toHaveLength(2);
        await redis.xack(key, 'payment', entries[0]![0]);
        text = await registry.metrics();
        expect(metricValue(text, 'event_consumer_lag_events', labels)).toBe(3);
        expect(metricValue(text, 'event_consumer_pending_events', labels)).toBe(1);
      });

      it('should answer a scrape within its bound, without consumer samples, while Redis is unreachable', async () => {
        // Nothing listens on port 1.
        bus = createEventBus({ redisUrl: 'redis://127.0.0.1:1', prefix, relay: false }, 'payment', silent);
        bus.consumer(['order'], {});
        const { registry } = createMetrics('payment');
        registerEventMetrics(registry, { bus, logger: silent, timeoutMs: 200 });
        const started = Date.now();
        const text = await registry.metrics();
        expect(Date.now() - started).toBeLessThan(2_000);
        expect(metricSamples(text, 'event_consumer_lag_events')).toEqual([]);
        expect(metricSamples(text, 'event_consumer_pending_events')).toEqual([]);
        expect(metricValue(text, 'db_statements_total')).toBe(0);
      });
    });
  });
});

function metricsOrder(i: number) {
  return { orderId: `metrics-${i}`, userId: 'metrics', items: [] };
}
