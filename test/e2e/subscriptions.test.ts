// Order status subscriptions on the gateway's endpoint (graphql-ws), end to end: two gateways and
// two order-subgraph instances on one Redis, every service a real process.
import WebSocket from 'ws';
import { ADMIN, as, customer } from '../support/auth';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import type { Endpoint } from '../support/graphql';
import { TEST_EVENTS_PREFIX } from '../support/events';
import { scrapeMetric } from '../support/metrics';
import { startStack, type Stack } from '../support/stack';
import { clientIds, connectTestRedis } from '../support/streams';
import { connect, subscribe, watcher, wsUrl, type TestSubscription } from '../support/subscriptions';
import { changesOf, createBuyer, createProduct, payForOrder, placeOrder, reached, setOrderStatus } from './helpers';
import { itWithRedis } from '../support/requirements';
import { TEST_REDIS } from '../support/backends';

let databases: TestDatabases;
let stack: Stack;
let buyer: string;
let product: string;
const subscriptions = watcher();
const { watch } = subscriptions;

beforeAll(async () => {
  databases = await createTestDatabases();
  // Two of each where Redis lets instances share events; one of each on the in-process bus.
  const instances = TEST_REDIS === 'server' ? 2 : 1;
  stack = await startStack(databases, { gatewayCount: instances, orderInstances: instances, env: { WS_KEEPALIVE_MS: '300' } });
  buyer = await createBuyer(stack.admin, { name: 'Watcher' });
  product = await createProduct(stack.admin, { stock: 1_000, amount: 1_250, name: 'Watched Widget' });
}, 120_000);

afterEach(() => subscriptions.closeAll());

afterAll(async () => {
  await stack?.stop();
  await databases?.drop();
});

const EVERYTHING = /* GraphQL */ `
  subscription Everything {
    orderStatusChanged {
      orderId
      from
      to
      version
      reason
      at
      order {
        id
        status
        total {
          amount
          currency
        }
        user {
          name
        }
        items {
          quantity
          product {
            name
          }
        }
        payment {
          status
        }
      }
    }
  }
`;

/** Places an order and waits until stock is reserved (CONFIRMED), as seen by `subscription`. */
async function confirmedOrder(subscription: TestSubscription, gateway = stack.admin, quantity = 1) {
  const orderId = await placeOrder(gateway, buyer, product, quantity);
  await subscription.waitFor(1, reached(orderId, 'CONFIRMED'));
  return orderId;
}

describe('order status subscriptions', () => {
  it('should deliver every status change of an order, in order, with fields from all four subgraphs', async () => {
    const subscription = await watch(stack.admin, EVERYTHING);
    const orderId = await confirmedOrder(subscription, stack.admin, 2);
    await payForOrder(stack.admin, orderId);
    await subscription.waitFor(1, reached(orderId, 'PAID'));
    await setOrderStatus(stack.admin, orderId, 'SHIPPED');
    await setOrderStatus(stack.admin, orderId, 'DELIVERED');
    await subscription.waitFor(5, (r) => r.data?.orderStatusChanged?.orderId === orderId);

    const changes = changesOf(subscription.results, orderId);
    expect(changes.map((change) => [change.from, change.to, change.version])).toEqual([
      [null, 'PENDING', 1],
      ['PENDING', 'CONFIRMED', 2],
      ['CONFIRMED', 'PAID', 3],
      ['PAID', 'SHIPPED', 4],
      ['SHIPPED', 'DELIVERED', 5],
    ]);
    const paid = changes[2]!;
    expect(paid.order).toMatchObject({
      id: orderId,
      total: { amount: 2_500, currency: 'USD' },
      user: { name: 'Watcher' },
      items: [{ quantity: 2, product: { name: 'Watched Widget' } }],
      payment: { status: 'CAPTURED' },
    });
    expect(Number.isNaN(Date.parse(paid.at))).toBe(false);
    expect(subscription.results.every((result) => !result.errors)).toBe(true);
  });

  it('should deliver only the watched order when orderId is given, under the alias the client chose', async () => {
    const everything = await watch(stack.admin, EVERYTHING);
    const watched = await confirmedOrder(everything);
    const other = await confirmedOrder(everything);
    const one = await watch(stack.admin, `subscription ($id: ID) { mine: orderStatusChanged(orderId: $id) { orderId to } }`, {
      id: watched,
    });
    await payForOrder(stack.admin, other);
    await payForOrder(stack.admin, watched);
    const [result] = await one.waitFor(1);
    expect(result?.data).toEqual({ mine: { orderId: watched, to: 'PAID' } });
    await everything.waitFor(1, reached(other, 'PAID'));
    expect(one.results).toHaveLength(1);
  });

  it("should deliver a customer's own order to them whatever the case of the id they watch it by", async () => {
    const everything = await watch(stack.admin, EVERYTHING);
    const orderId = await confirmedOrder(everything);
    const own = stack.as(customer(buyer));
    const query = `subscription ($id: ID) { orderStatusChanged(orderId: $id) { orderId to } }`;
    const spellings = [orderId.toUpperCase(), orderId.replace(/[a-f]/, (digit) => digit.toUpperCase())];
    expect(spellings.filter((spelling) => spelling !== orderId)).toHaveLength(2);
    const [upper, mixed] = await Promise.all(spellings.map((id) => watch(own, query, { id })));
    await payForOrder(stack.admin, orderId);
    // The id comes back in its one spelling: the order's, as every other field gives it.
    for (const subscription of [upper!, mixed!]) {
      expect((await subscription.waitFor(1))[0]?.data).toEqual({ orderStatusChanged: { orderId, to: 'PAID' } });
    }
  });

  itWithRedis(
    'should deliver changes committed through either order instance to subscribers on both gateways, exactly once each, in order',
    async () => {
      const [first, second] = stack.gateways.map((gateway) => as(ADMIN, gateway.url, 'gateway')) as [Endpoint, Endpoint];
      const onFirst = await watch(first, EVERYTHING);
      const onSecond = await watch(second, EVERYTHING);
      // Each gateway sends its order fetches and mutations to its own order-subgraph instance.
      const a = await placeOrder(first, buyer, product);
      const b = await placeOrder(second, buyer, product);
      for (const subscription of [onFirst, onSecond]) {
        await subscription.waitFor(
          2,
          (r) => [a, b].includes(r.data?.orderStatusChanged?.orderId) && r.data?.orderStatusChanged?.to === 'CONFIRMED',
        );
      }
      await payForOrder(second, a);
      await payForOrder(first, b);
      await setOrderStatus(second, a, 'SHIPPED');
      await setOrderStatus(first, b, 'SHIPPED');
      for (const subscription of [onFirst, onSecond]) {
        await subscription.waitFor(8, (r) => [a, b].includes(r.data?.orderStatusChanged?.orderId));
        for (const orderId of [a, b]) {
          expect(changesOf(subscription.results, orderId).map((change) => change.version)).toEqual([1, 2, 3, 4]);
        }
      }
    },
  );

  it('should resolve a change once for all subscribers with the same operation', async () => {
    // Closed before the measurement: its own resolutions must not count.
    const orderWatcher = await subscribe(stack.admin, EVERYTHING);
    const orderId = await confirmedOrder(orderWatcher).finally(() => orderWatcher.close());

    const query = `subscription ($id: ID) { orderStatusChanged(orderId: $id) { to order { total { amount } user { name } payment { status } } } }`;
    const audience = await Promise.all(Array.from({ length: 25 }, () => watch(stack.admin, query, { id: orderId })));
    const metricsUrl = stack.gateways[0]!.url;
    const before = await scrapeMetric(metricsUrl, 'subscription_resolutions_total');
    await payForOrder(stack.admin, orderId);
    const received = await Promise.all(audience.map((subscription) => subscription.waitFor(1)));
    expect(new Set(received.map(([result]) => JSON.stringify(result)))).toEqual(
      new Set([
        JSON.stringify({
          data: {
            orderStatusChanged: {
              to: 'PAID',
              order: { total: { amount: 1_250 }, user: { name: 'Watcher' }, payment: { status: 'CAPTURED' } },
            },
          },
        }),
      ]),
    );
    expect((await scrapeMetric(metricsUrl, 'subscription_resolutions_total')) - before).toBe(1);
  });

  it('should answer an invalid subscription with a clear error and keep the socket usable', async () => {
    const client = connect(stack.admin);
    try {
      const unknownField = await subscribe(stack.admin, `subscription { orderStatusChanged { nope } }`, {}, client);
      const { error } = await unknownField.ended;
      expect(JSON.stringify(error)).toMatch(/Cannot query field \\"nope\\" on type \\"OrderStatusChange\\"/);
      const twoFields = await subscribe(
        stack.admin,
        `subscription { a: orderStatusChanged { to } b: orderStatusChanged { to } }`,
        {},
        client,
      );
      expect(JSON.stringify((await twoFields.ended).error)).toMatch(/must select only one top level field/);
      const badVariable = await subscribe(
        stack.admin,
        `subscription ($id: ID) { orderStatusChanged(orderId: $id) { to } }`,
        { id: { not: 'an id' } },
        client,
      );
      expect(JSON.stringify((await badVariable.ended).error)).toMatch(/Variable \\"\$id\\" got invalid value/);
      // An id no order can have is refused, rather than watched for ever.
      const notAnId = await subscribe(
        stack.admin,
        `subscription ($id: ID) { orderStatusChanged(orderId: $id) { to } }`,
        { id: 'order-42' },
        client,
      );
      const refused = { error: (await notAnId.ended).error, results: notAnId.results };
      expect(JSON.stringify(refused)).toMatch(/orderId must be a valid id.*BAD_USER_INPUT/);
    } finally {
      await client.dispose();
    }
  });

  it('should release a subscription when the client completes it', async () => {
    const metricsUrl = stack.gateways[0]!.url;
    const before = await scrapeMetric(metricsUrl, 'subscriptions_active');
    const client = connect(stack.admin);
    try {
      const subscription = await subscribe(stack.admin, EVERYTHING, {}, client);
      expect(await scrapeMetric(metricsUrl, 'subscriptions_active')).toBe(before + 1);
      await subscription.complete();
      expect(await scrapeMetric(metricsUrl, 'subscriptions_active')).toBe(before);
    } finally {
      await client.dispose();
    }
  });

  it('should ping idle sockets (graphql-ws keep-alive)', async () => {
    const socket = new WebSocket(wsUrl(stack.gatewayUrl), 'graphql-transport-ws');
    try {
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      socket.send(JSON.stringify({ type: 'connection_init', payload: stack.admin.headers }));
      await new Promise((resolve) => socket.once('ping', resolve));
    } finally {
      socket.close();
    }
  });

  itWithRedis('should keep delivering, without losing a change, after the gateway loses its Redis connection', async () => {
    const subscription = await watch(stack.admin, EVERYTHING);
    const orderId = await confirmedOrder(subscription);
    const admin = connectTestRedis('subscriptions-test:admin');
    try {
      const ours = await clientIds(admin, (name) => name.startsWith(TEST_EVENTS_PREFIX));
      expect(ours.length).toBeGreaterThan(0);
      // Every connection of this stack drops: gateways' stream readers, relays, consumers.
      for (const id of ours) await admin.client('KILL', 'ID', id);
    } finally {
      admin.disconnect();
    }
    // Committed while the stream readers, relays and consumers reconnect.
    await payForOrder(stack.admin, orderId);
    await subscription.waitFor(1, reached(orderId, 'PAID'));
    await setOrderStatus(stack.admin, orderId, 'SHIPPED');
    await setOrderStatus(stack.admin, orderId, 'DELIVERED');
    await subscription.waitFor(5, (r) => r.data?.orderStatusChanged?.orderId === orderId);
    expect(changesOf(subscription.results, orderId).map((change) => change.to)).toEqual([
      'PENDING',
      'CONFIRMED',
      'PAID',
      'SHIPPED',
      'DELIVERED',
    ]);
  });

  // Last: it stops and restarts the payment subgraph.
  itWithRedis(
    'should deliver a change with a coded error for the fields of a subgraph that is down, and keep the subscription',
    async () => {
      const subscription = await watch(stack.admin, EVERYTHING);
      const orderId = await confirmedOrder(subscription);
      await payForOrder(stack.admin, orderId);
      await subscription.waitFor(1, reached(orderId, 'PAID'));
      const { port } = stack.subgraphs.payment;
      await stack.subgraphs.payment.stop();

      await setOrderStatus(stack.admin, orderId, 'SHIPPED');
      const [shipped] = await subscription.waitFor(1, reached(orderId, 'SHIPPED'));
      expect(shipped?.data?.orderStatusChanged.order).toMatchObject({ id: orderId, user: { name: 'Watcher' }, payment: null });
      expect(shipped?.errors?.map((error) => error.extensions?.code)).toContain('SERVICE_UNAVAILABLE');

      await stack.start('payment', { PORT: String(port) });
      await setOrderStatus(stack.admin, orderId, 'DELIVERED');
      const [delivered] = await subscription.waitFor(1, reached(orderId, 'DELIVERED'));
      expect(delivered?.errors).toBeUndefined();
      expect(delivered?.data?.orderStatusChanged.order.payment).toEqual({ status: 'CAPTURED' });
    },
  );
});
