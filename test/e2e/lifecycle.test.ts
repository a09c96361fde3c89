// The order lifecycle across services, end to end: every subgraph and the gateway are real
// processes, events travel through the outboxes and Redis Streams, and the test awaits them.
import type Redis from 'ioredis';
import { ADMIN, as } from '../support/auth';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { errorCodes, graphql, ok } from '../support/graphql';
import { startStack, type Stack } from '../support/stack';
import { connectTestRedis, readEntries, waitForEntries, type StreamEntry } from '../support/streams';
import { subscribe, type TestSubscription } from '../support/subscriptions';
import { changesOf, createBuyer, createProduct, payForOrder, placeOrder, reached } from './helpers';
import { itWithRedis } from '../support/requirements';
import { TEST_REDIS } from '../support/backends';

let databases: TestDatabases;
let stack: Stack;
/** For the tests that read the services' streams (a Redis server's). */
let redis: Redis;
let buyer: string;
let statuses: TestSubscription;

beforeAll(async () => {
  databases = await createTestDatabases();
  stack = await startStack(databases);
  if (TEST_REDIS === 'server') redis = connectTestRedis();
  buyer = await createBuyer(stack.admin);
  statuses = await subscribe(stack.admin, `subscription { orderStatusChanged { orderId from to reason version } }`);
}, 120_000);

afterAll(async () => {
  await statuses?.close();
  redis?.disconnect();
  await stack?.stop();
  await databases?.drop();
});

const about = (orderId: string, type?: string) => (entry: StreamEntry) =>
  (entry.event?.payload as { orderId?: string } | undefined)?.orderId === orderId && (!type || entry.event?.type === type);

async function stockOf(productId: string): Promise<number> {
  return (await ok(stack.admin, `query ($id: ID!) { product(id: $id) { stock } }`, { id: productId })).product.stock;
}

describe('order lifecycle', () => {
  it('should fail an order whose stock is short, reserving nothing', async () => {
    const product = await createProduct(stack.admin, { stock: 2, name: 'Scarce Lamp' });
    const orderId = await placeOrder(stack.admin, buyer, product, 3);
    const [failed] = await statuses.waitFor(1, reached(orderId, 'FAILED'));
    expect(failed?.data?.orderStatusChanged.reason).toMatch(/Scarce Lamp/);
    expect(await stockOf(product)).toBe(2);
    const payment = await graphql(
      stack.admin,
      `
        mutation ($id: ID!) {
          payForOrder(orderId: $id, method: CARD, idempotencyKey: "never-charged-1", paymentToken: "tok_visa") {
            id
          }
        }
      `,
      { id: orderId },
    );
    expect(errorCodes(payment)).toEqual(['CONFLICT']);
  });

  it('should move a declined order to PAYMENT_FAILED and accept a retry with a new key', async () => {
    const product = await createProduct(stack.admin, { stock: 5 });
    const orderId = await placeOrder(stack.admin, buyer, product);
    await statuses.waitFor(1, reached(orderId, 'CONFIRMED'));
    const declined = await payForOrder(stack.admin, orderId, 'tok_decline_card');
    expect(declined.status).toBe('FAILED');
    await statuses.waitFor(1, reached(orderId, 'PAYMENT_FAILED'));
    const retried = await payForOrder(stack.admin, orderId, 'tok_visa');
    expect(retried.status).toBe('CAPTURED');
    await statuses.waitFor(1, reached(orderId, 'PAID'));
    const { order } = await ok(
      stack.admin,
      `query ($id: ID!) { order(id: $id) { status payment { id status } payments { status failureReason } } }`,
      { id: orderId },
    );
    expect(order).toEqual({
      status: 'PAID',
      payment: { id: retried.id, status: 'CAPTURED' },
      payments: [
        { status: 'CAPTURED', failureReason: null },
        { status: 'FAILED', failureReason: 'card_declined' },
      ],
    });
  });

  itWithRedis('should never create a second payment or charge for the same idempotency key', async () => {
    const product = await createProduct(stack.admin, { stock: 5 });
    const orderId = await placeOrder(stack.admin, buyer, product);
    await statuses.waitFor(1, reached(orderId, 'CONFIRMED'));
    const attempts = await Promise.all(
      Array.from({ length: 5 }, () => payForOrder(stack.admin, orderId, 'tok_visa', `same-key-${orderId}`)),
    );
    expect(new Set(attempts.map((attempt) => attempt.id)).size).toBe(1);
    const again = await payForOrder(stack.admin, orderId, 'tok_visa', `same-key-${orderId}`);
    expect(again).toEqual(attempts[0]);
    await statuses.waitFor(1, reached(orderId, 'PAID'));
    const { order } = await ok(stack.admin, `query ($id: ID!) { order(id: $id) { payments { id } } }`, { id: orderId });
    expect(order.payments).toEqual([{ id: attempts[0]!.id }]);
    const captured = (await readEntries(redis, 'payment')).filter(about(orderId, 'PaymentCaptured'));
    expect(captured).toHaveLength(1);
  });

  itWithRedis('should cancel a paid order with compensation: stock released and payment refunded', async () => {
    const product = await createProduct(stack.admin, { stock: 7 });
    const orderId = await placeOrder(stack.admin, buyer, product, 2);
    await statuses.waitFor(1, reached(orderId, 'CONFIRMED'));
    expect(await stockOf(product)).toBe(5);
    await payForOrder(stack.admin, orderId);
    await statuses.waitFor(1, reached(orderId, 'PAID'));

    const { cancelOrder } = await ok(
      stack.admin,
      `mutation ($id: ID!) { cancelOrder(id: $id, reason: "Changed my mind") { status } }`,
      { id: orderId },
    );
    expect(cancelOrder.status).toBe('CANCELLED');
    await waitForEntries(redis, 'product', 1, { where: about(orderId, 'StockReleased'), timeoutMs: 15_000 });
    await waitForEntries(redis, 'payment', 1, { where: about(orderId, 'PaymentRefunded'), timeoutMs: 15_000 });
    expect(await stockOf(product)).toBe(7);
    const { order } = await ok(
      stack.admin,
      `query ($id: ID!) { order(id: $id) { status payment { status } statusHistory { to reason } } }`,
      { id: orderId },
    );
    expect(order.payment.status).toBe('REFUNDED');
    expect(order.statusHistory.map((change: { to: string }) => change.to)).toEqual(['PENDING', 'CONFIRMED', 'PAID', 'CANCELLED']);
    expect(order.statusHistory.at(-1).reason).toBe('Changed my mind');

    const again = await graphql(
      stack.admin,
      `
        mutation ($id: ID!) {
          cancelOrder(id: $id) {
            status
          }
        }
      `,
      { id: orderId },
    );
    expect(errorCodes(again)).toEqual(['CONFLICT']);
  });

  it('should confirm exactly the stock available when 100 orders race for it', async () => {
    const product = await createProduct(stack.admin, { stock: 10, name: 'Hot Item' });
    const orders = await Promise.all(Array.from({ length: 100 }, () => placeOrder(stack.admin, buyer, product)));
    const ids = new Set(orders);
    const outcomes = await statuses.waitFor(
      100,
      (r) => ids.has(r.data?.orderStatusChanged?.orderId) && ['CONFIRMED', 'FAILED'].includes(r.data?.orderStatusChanged?.to),
      60_000,
    );
    const confirmed = outcomes.filter((r) => r.data?.orderStatusChanged.to === 'CONFIRMED');
    expect(confirmed).toHaveLength(10);
    expect(await stockOf(product)).toBe(0);
  }, 90_000);

  // Last: it replaces the stack's order subgraph process.
  itWithRedis(
    'should deliver the events of an order whose process was killed after commit, before publishing',
    async () => {
      const product = await createProduct(stack.admin, { stock: 3 });
      const { port } = stack.subgraphs.order;
      await stack.subgraphs.order.stop();
      // An instance that commits but never publishes: the state of a process killed right after commit.
      const doomed = await stack.start('order', { OUTBOX_RELAY: 'off' });
      const { placeOrder: placed } = await ok(
        as(ADMIN, doomed.url, 'subgraph'),
        `mutation ($userId: ID!, $productId: ID!) { placeOrder(userId: $userId, items: [{ productId: $productId, quantity: 1 }]) { id status } }`,
        { userId: buyer, productId: product },
      );
      expect(placed.status).toBe('PENDING');
      expect((await readEntries(redis, 'order')).filter(about(placed.id))).toEqual([]);
      await doomed.stop('SIGKILL');

      // Back on its port, where the gateway and the payment subgraph reach it.
      await stack.start('order', { PORT: String(port) });
      const [created] = await waitForEntries(redis, 'order', 1, { where: about(placed.id, 'OrderCreated'), timeoutMs: 15_000 });
      expect(created?.event?.payload).toMatchObject({
        orderId: placed.id,
        userId: buyer,
        items: [{ productId: product, quantity: 1 }],
      });
      await statuses.waitFor(1, reached(placed.id, 'CONFIRMED'));
      expect(changesOf(statuses.results, placed.id).map((change) => change.version)).toEqual([1, 2]);
      expect((await readEntries(redis, 'order')).filter(about(placed.id, 'OrderCreated'))).toHaveLength(1);
      expect(await stockOf(product)).toBe(2);
    },
    60_000,
  );
});
