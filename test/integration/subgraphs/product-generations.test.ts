// The product subgraph's entity-generation bumps when Redis is away: a committed change answers at
// once all the same, applied once, and its bump waits in the outbox until the relay can make it,
// before it publishes anything after it. The real subgraph in-process, its Redis behind a proxy.
import type Redis from 'ioredis';
import { createTestDatabases, type TestDatabases } from '../../support/databases';
import { TEST_EVENTS_PREFIX } from '../../support/events';
import { ok } from '../../support/graphql';
import { describeWithRedis } from '../../support/requirements';
import { connectTestRedis, startRedisProxy, waitForEntries, type RedisProxy, type StreamEntry } from '../../support/streams';
import { startTestSubgraph, type TestSubgraph } from '../../support/subgraphs';
import { productSubgraph } from '../../../subgraphs/product/server';
import type { Db } from '../../../subgraphs/product/db';

let databases: TestDatabases;
let proxy: RedisProxy;
let subgraph: TestSubgraph<Db>;
let redis: Redis;

const ADJUST_STOCK = `mutation ($id: ID!, $delta: Int!) { adjustStock(id: $id, delta: $delta) { id stock } }`;
const UPDATE_PRICE = `mutation ($id: ID!, $amount: Int!) {
  updateProduct(id: $id, input: { price: { amount: $amount, currency: "USD" } }) { id price { amount } }
}`;

/** The generation counter Redis holds for `id` (0 before its first bump). */
async function generation(id: string): Promise<number> {
  return Number((await redis.get(`${TEST_EVENTS_PREFIX}entity-generations:Product:${id}`)) ?? 0);
}

async function createProduct(stock: number): Promise<string> {
  const { createCategory } = await ok(subgraph.admin, `mutation ($name: String!) { createCategory(name: $name) { id } }`, {
    name: `Generations ${Date.now()}-${Math.random()}`,
  });
  const { createProduct: product } = await ok(
    subgraph.admin,
    `mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }`,
    {
      input: {
        sku: `GEN-${Date.now()}-${Math.floor(Math.random() * 1e6)}`,
        name: 'Generations Widget',
        price: { amount: 1_000, currency: 'USD' },
        categoryId: createCategory.id,
        stock,
      },
    },
  );
  return product.id;
}

/** Runs `mutation` and how long it took to answer. */
async function timed<T>(mutation: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await mutation();
  return { result, ms: performance.now() - started };
}

const deferredFor = (id: string) => (entry: StreamEntry) =>
  entry.event?.type === 'ProductGenerationsDeferred' && (entry.event.payload as { productIds: string[] }).productIds.includes(id);

describeWithRedis('entity generations of the product subgraph while Redis is away', () => {
  beforeAll(async () => {
    databases = await createTestDatabases(['product']);
    proxy = await startRedisProxy();
    subgraph = await startTestSubgraph(productSubgraph, databases.product, { REDIS_URL: proxy.url });
    redis = connectTestRedis('product-generations-test');
  });

  afterAll(async () => {
    proxy?.restore();
    await subgraph?.close();
    await proxy?.close();
    redis?.disconnect();
    await databases?.drop();
  });

  afterEach(() => proxy.restore());

  it('should bump before answering while Redis is up', async () => {
    const id = await createProduct(10);
    const before = await generation(id);
    await ok(subgraph.admin, ADJUST_STOCK, { id, delta: 1 });
    expect(await generation(id)).toBe(before + 1);
  });

  it('should answer a committed change at once with Redis cut off, apply it once, and bump it once Redis is back', async () => {
    const id = await createProduct(10);
    const before = await generation(id);

    proxy.cut();
    const adjusted = await timed(() => ok(subgraph.admin, ADJUST_STOCK, { id, delta: 1 }));
    expect(adjusted.result.adjustStock).toEqual({ id, stock: 11 });
    expect(adjusted.ms).toBeLessThan(1_000);
    const updated = await timed(() => ok(subgraph.admin, UPDATE_PRICE, { id, amount: 1_500 }));
    expect(updated.result.updateProduct).toEqual({ id, price: { amount: 1_500 } });
    expect(updated.ms).toBeLessThan(1_000);

    expect(await subgraph.db.product.findUniqueOrThrow({ where: { id }, select: { stock: true, priceAmount: true } })).toEqual({
      stock: 11,
      priceAmount: 1_500,
    });
    const deferred = await subgraph.db.$queryRawUnsafe<{ payload: unknown; published_at: Date | null }[]>(
      `SELECT payload, published_at FROM outbox WHERE type = 'ProductGenerationsDeferred' AND payload->'productIds' ? $1`,
      id,
    );
    expect(deferred).toEqual([
      { payload: { productIds: [id] }, published_at: null },
      { payload: { productIds: [id] }, published_at: null },
    ]);
    expect(await generation(id)).toBe(before);

    proxy.restore();
    // The relay bumps a deferred event's products before it publishes the event.
    await waitForEntries(redis, 'product', 2, { where: deferredFor(id), timeoutMs: 10_000 });
    expect(await generation(id)).toBeGreaterThan(before);
  });

  it('should answer within the command timeout, not wait for it, when Redis hangs', async () => {
    const id = await createProduct(10);
    const before = await generation(id);

    proxy.stall();
    const adjusted = await timed(() => ok(subgraph.admin, ADJUST_STOCK, { id, delta: -1 }));
    expect(adjusted.result.adjustStock).toEqual({ id, stock: 9 });
    expect(adjusted.ms).toBeLessThan(1_000);

    proxy.restore();
    await waitForEntries(redis, 'product', 1, { where: deferredFor(id), timeoutMs: 10_000 });
    expect(await generation(id)).toBeGreaterThan(before);
  });
});
