// The gateway's Product entity cache, end to end: a repeated read costs the product subgraph no
// SQL at all, and no read through the gateway shows a price or stock older than a change the
// client could know of (a mutation that returned, an order seen CONFIRMED, a release published).
import type Redis from 'ioredis';
import { ADMIN, as } from '../support/auth';
import { TEST_REDIS } from '../support/backends';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { ok, type Endpoint } from '../support/graphql';
import { statementCount } from '../support/metrics';
import { itWithRedis } from '../support/requirements';
import { startStack, type Stack } from '../support/stack';
import { connectTestRedis, waitForEntries, type StreamEntry } from '../support/streams';
import { subscribe, type TestSubscription } from '../support/subscriptions';
import { createBuyer, createProduct, placeOrder, reached } from './helpers';

let databases: TestDatabases;
let stack: Stack;
let redis: Redis;
let buyer: string;
let statuses: TestSubscription;

beforeAll(async () => {
  databases = await createTestDatabases();
  stack = await startStack(databases);
  if (TEST_REDIS === 'server') redis = connectTestRedis();
  buyer = await createBuyer(stack.admin);
  statuses = await subscribe(stack.admin, `subscription { orderStatusChanged { orderId to } }`);
}, 120_000);

afterAll(async () => {
  await statuses?.close();
  redis?.disconnect();
  await stack?.stop();
  await databases?.drop();
});

interface OrderedProduct {
  id: string;
  name: string;
  stock: number;
  price: { amount: number; currency: string };
}

/** The products of an order's items as the gateway resolves them: `_entities` fetches of Product. */
async function orderedProducts(orderId: string, gateway: Endpoint = stack.admin): Promise<OrderedProduct[]> {
  const { order } = await ok(
    gateway,
    `query ($id: ID!) { order(id: $id) { items { product { id name stock price { amount currency } } } } }`,
    { id: orderId },
  );
  return order.items.map((item: { product: OrderedProduct }) => item.product);
}

/** SQL statements the product subgraph sends while `read` runs. */
async function productStatementsDuring<T>(read: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const before = await statementCount(stack.subgraphs.product.url);
  const result = await read();
  return { result, statements: (await statementCount(stack.subgraphs.product.url)) - before };
}

async function confirmedOrder(productId: string, quantity: number): Promise<string> {
  const orderId = await placeOrder(stack.admin, buyer, productId, quantity);
  await statuses.waitFor(1, reached(orderId, 'CONFIRMED'));
  return orderId;
}

describe('product entity cache', () => {
  it('should serve a repeated read from the cache, and a change the moment its mutation returns', async () => {
    const productId = await createProduct(stack.admin, { stock: 10, amount: 1_000 });
    const orderId = await confirmedOrder(productId, 2);
    const [first] = await orderedProducts(orderId);
    expect(first).toMatchObject({ id: productId, stock: 8, price: { amount: 1_000, currency: 'USD' } });

    const repeated = await productStatementsDuring(() => orderedProducts(orderId));
    expect(repeated.result).toEqual([first]);
    expect(repeated.statements).toBe(0);

    await ok(
      stack.admin,
      `mutation ($id: ID!) { updateProduct(id: $id, input: { price: { amount: 1500, currency: "USD" } }) { id } }`,
      {
        id: productId,
      },
    );
    expect((await orderedProducts(orderId))[0]).toMatchObject({ stock: 8, price: { amount: 1_500 } });

    await ok(stack.admin, `mutation ($id: ID!) { adjustStock(id: $id, delta: -3) { id } }`, { id: productId });
    const adjusted = await productStatementsDuring(() => orderedProducts(orderId));
    expect(adjusted.result[0]).toMatchObject({ stock: 5, price: { amount: 1_500 } });
    expect(adjusted.statements).toBeGreaterThan(0);
    expect((await productStatementsDuring(() => orderedProducts(orderId))).statements).toBe(0);
  });

  it('should show the stock a reservation took as soon as the order is CONFIRMED', async () => {
    const productId = await createProduct(stack.admin, { stock: 10 });
    const watched = await confirmedOrder(productId, 1);
    await orderedProducts(watched);
    const cached = await productStatementsDuring(() => orderedProducts(watched));
    expect(cached.result[0]?.stock).toBe(9);
    expect(cached.statements).toBe(0);

    await confirmedOrder(productId, 3);
    expect((await orderedProducts(watched))[0]?.stock).toBe(6);
  });

  itWithRedis('should show the stock a cancellation gave back as soon as its release is published', async () => {
    const productId = await createProduct(stack.admin, { stock: 10 });
    const watched = await confirmedOrder(productId, 1);
    const cancelled = await confirmedOrder(productId, 4);
    expect((await orderedProducts(watched))[0]?.stock).toBe(5);

    await ok(stack.admin, `mutation ($id: ID!) { cancelOrder(id: $id) { id } }`, { id: cancelled });
    const released = (entry: StreamEntry) =>
      entry.event?.type === 'StockReleased' && (entry.event.payload as { orderId?: string }).orderId === cancelled;
    await waitForEntries(redis, 'product', 1, { where: released, timeoutMs: 15_000 });
    expect((await orderedProducts(watched))[0]?.stock).toBe(9);
  });

  it('should fetch every time from a gateway started with ENTITY_CACHE=off', async () => {
    const gateway = await stack.start('gateway', { ENTITY_CACHE: 'off' });
    const endpoint = as(ADMIN, gateway.url, 'gateway');
    const productId = await createProduct(stack.admin);
    const orderId = await confirmedOrder(productId, 1);
    await orderedProducts(orderId, endpoint);
    expect((await productStatementsDuring(() => orderedProducts(orderId, endpoint))).statements).toBeGreaterThan(0);
  });
});
