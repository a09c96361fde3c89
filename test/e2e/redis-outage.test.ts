// A Redis outage under the whole supergraph (real processes, every Redis connection of the stack
// through one TCP proxy): an administrator's committed change answers at once and is applied
// once, the catalogue keeps answering, the gateway's circuit to the product subgraph stays closed,
// and no read through the gateway shows a product as it was before a change the client knew of:
// not while Redis is away, not after it is back. The product subgraph's missed entity-generation
// bumps are made once Redis is back.
import type Redis from 'ioredis';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { TEST_EVENTS_PREFIX } from '../support/events';
import { graphql, ok, type Endpoint } from '../support/graphql';
import { scrapeMetric, statementCount } from '../support/metrics';
import { pollUntil } from '../support/poll';
import { describeWithRedis } from '../support/requirements';
import { startStack, type Stack } from '../support/stack';
import { connectTestRedis, startRedisProxy, waitForEntries, type RedisProxy, type StreamEntry } from '../support/streams';
import { subscribe, type TestSubscription } from '../support/subscriptions';
import { createBuyer, createProduct, placeOrder, reached } from './helpers';

let databases: TestDatabases;
let proxy: RedisProxy;
let stack: Stack;
let redis: Redis;
let buyer: string;
let statuses: TestSubscription;

const PRODUCT_FIELDS = 'id stock price { amount }';
const ADJUST_STOCK = `mutation ($id: ID!, $delta: Int!) { adjustStock(id: $id, delta: $delta) { ${PRODUCT_FIELDS} } }`;
const UPDATE_PRICE = `mutation ($id: ID!, $amount: Int!) {
  updateProduct(id: $id, input: { price: { amount: $amount, currency: "USD" } }) { ${PRODUCT_FIELDS} }
}`;
const CATALOGUE = `{ products(first: 5) { totalCount edges { node { id name stock } } } categories { id name } }`;

interface ProductState {
  id: string;
  stock: number;
  price: { amount: number };
}

/** The product of an order's only line as the gateway resolves it: an `_entities` fetch of Product, cached. */
async function orderedProduct(orderId: string, gateway: Endpoint = stack.admin): Promise<ProductState> {
  const { order } = await ok(gateway, `query ($id: ID!) { order(id: $id) { items { product { ${PRODUCT_FIELDS} } } } }`, {
    id: orderId,
  });
  return order.items[0].product as ProductState;
}

/** The product as its own subgraph answers a root field: never from the entity cache. */
async function storedProduct(id: string): Promise<ProductState> {
  return (await ok(stack.admin, `query ($id: ID!) { product(id: $id) { ${PRODUCT_FIELDS} } }`, { id })).product;
}

/** SQL statements the product subgraph sends while `read` runs: 0 when the gateway's cache answered. */
async function productStatementsDuring<T>(read: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const before = await statementCount(stack.subgraphs.product.url);
  const result = await read();
  return { result, statements: (await statementCount(stack.subgraphs.product.url)) - before };
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

/** A product with `stock` left after a confirmed order of one, whose line the gateway has cached. */
async function cachedOrderOf(stock: number): Promise<{ productId: string; orderId: string }> {
  const productId = await createProduct(stack.admin, { stock: stock + 1, amount: 1_000 });
  const orderId = await placeOrder(stack.admin, buyer, productId, 1);
  await statuses.waitFor(1, reached(orderId, 'CONFIRMED'), 15_000);
  // Served by the cache before the outage (once it trusts generations again after an earlier
  // one): what follows is about entries it really holds.
  const cached = await pollUntil(
    () => productStatementsDuring(() => orderedProduct(orderId)),
    ({ statements }) => statements === 0,
    { timeoutMs: 20_000, intervalMs: 250 },
  );
  expect(cached).toEqual({ result: { id: productId, stock, price: { amount: 1_000 } }, statements: 0 });
  return { productId, orderId };
}

/** The generation counter of `id` in Redis, read past the proxy. */
async function generation(id: string): Promise<number> {
  return Number((await redis.get(`${TEST_EVENTS_PREFIX}entity-generations:Product:${id}`)) ?? 0);
}

const deferredFor = (id: string) => (entry: StreamEntry) =>
  entry.event?.type === 'ProductGenerationsDeferred' && (entry.event.payload as { productIds: string[] }).productIds.includes(id);

const circuitOf = (gatewayUrl: string) => scrapeMetric(gatewayUrl, 'circuit_breaker_state', { subgraph: 'product' });

describeWithRedis('a Redis outage', () => {
  beforeAll(async () => {
    databases = await createTestDatabases();
    proxy = await startRedisProxy();
    stack = await startStack(databases, { env: { REDIS_URL: proxy.url, CIRCUIT_BREAKER_FAILURES: '2' } });
    redis = connectTestRedis('redis-outage-test');
    buyer = await createBuyer(stack.admin);
    statuses = await subscribe(stack.admin, `subscription { orderStatusChanged { orderId to } }`);
  }, 120_000);

  afterAll(async () => {
    proxy?.restore();
    await statuses?.close();
    await stack?.stop();
    await proxy?.close();
    redis?.disconnect();
    await databases?.drop();
  });

  afterEach(() => proxy.restore());

  it('should answer admin changes within a second while Redis is cut off, apply each once, and keep serving the catalogue', async () => {
    const { productId, orderId } = await cachedOrderOf(10);
    const bypassedBefore = await scrapeMetric(stack.gatewayUrl, 'entity_cache_entities_total', { result: 'bypass' });

    proxy.cut();
    const adjusted = await timed(() => ok(stack.admin, ADJUST_STOCK, { id: productId, delta: 1 }));
    expect(adjusted.result.adjustStock).toEqual({ id: productId, stock: 11, price: { amount: 1_000 } });
    expect(adjusted.ms).toBeLessThan(1_000);
    const updated = await timed(() => ok(stack.admin, UPDATE_PRICE, { id: productId, amount: 1_500 }));
    expect(updated.result.updateProduct).toEqual({ id: productId, stock: 11, price: { amount: 1_500 } });
    expect(updated.ms).toBeLessThan(1_000);

    // Applied once each, and no read shows the product as the cache held it before.
    expect(await storedProduct(productId)).toEqual({ id: productId, stock: 11, price: { amount: 1_500 } });
    expect(await orderedProduct(orderId)).toEqual({ id: productId, stock: 11, price: { amount: 1_500 } });
    expect(await scrapeMetric(stack.gatewayUrl, 'entity_cache_entities_total', { result: 'bypass' })).toBeGreaterThan(
      bypassedBefore,
    );

    const catalogue = await graphql(stack.gatewayUrl, CATALOGUE);
    expect(catalogue.errors).toBeUndefined();
    expect(catalogue.data?.products.totalCount).toBeGreaterThan(0);
    expect(await circuitOf(stack.gatewayUrl)).toBe(0);
  });

  it('should never show a product as it was before a change made during the outage once Redis is back, and make the bump it missed', async () => {
    const { productId, orderId } = await cachedOrderOf(10);
    const before = await generation(productId);

    proxy.cut();
    await ok(stack.admin, UPDATE_PRICE, { id: productId, amount: 2_000 });
    expect(await generation(productId)).toBe(before);
    proxy.restore();

    // At once: whether or not the product subgraph has made its bump yet.
    expect(await orderedProduct(orderId)).toEqual({ id: productId, stock: 10, price: { amount: 2_000 } });
    // Its relay makes the bump before it publishes the deferred event.
    await waitForEntries(redis, 'product', 1, { where: deferredFor(productId), timeoutMs: 15_000 });
    expect(await generation(productId)).toBeGreaterThan(before);

    // The cache serves again once the gateway trusts the generations again, with the new price.
    const cached = await pollUntil(
      () => productStatementsDuring(() => orderedProduct(orderId)),
      ({ statements }) => statements === 0,
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    expect(cached).toEqual({ result: { id: productId, stock: 10, price: { amount: 2_000 } }, statements: 0 });
  });
});
