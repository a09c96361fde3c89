// orderStatusChanged served by the order subgraph itself, over graphql-ws on its own /graphql, as
// routers (Hive Gateway, Apollo Router, Cosmo) reach it when they pass a subscription through: the
// caller is the internal identity the router sends, and `order` is the subgraph's own Order for
// the router to complete. The real user, product and order subgraphs with their workers, so orders
// move on (stock reserved: CONFIRMED) as in production.
import jwt from 'jsonwebtoken';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Identity } from '../../../shared/auth/identity';
import { IDENTITY_HEADER } from '../../../shared/auth/internal-token';
import { orderSubgraph } from '../../../subgraphs/order/server';
import { ADMIN, as, internalIdentity, TEST_INTERNAL_TOKENS } from '../../support/auth';
import { createTestDatabases, type TestDatabases } from '../../support/databases';
import { errorCodes, graphql, ok } from '../../support/graphql';
import { scrapeMetric } from '../../support/metrics';
import { startOrderSubgraphs, withoutWorkers, type OrderSubgraphs, type TestOrder } from '../../support/orders';
import { pollUntil } from '../../support/poll';
import { startTestSubgraph } from '../../support/subgraphs';
import { connect, subscribe, wsUrl, type Result, type TestSubscription } from '../../support/subscriptions';

let databases: TestDatabases;
let orders: OrderSubgraphs;
/** A second customer, with orders of their own. */
let other: Identity;
const clients: Client[] = [];

beforeAll(async () => {
  databases = await createTestDatabases(['user', 'product', 'order']);
  orders = await startOrderSubgraphs(databases);
  other = await orders.createCustomer();
}, 60_000);

afterEach(async () => {
  await Promise.all(clients.splice(0).map(async (client) => client.dispose()));
});

afterAll(async () => {
  await orders?.close();
  await databases?.drop();
});

const WATCH = /* GraphQL */ `
  subscription ($orderId: ID) {
    orderStatusChanged(orderId: $orderId) {
      id
      orderId
      from
      to
      at
      reason
      version
      order {
        id
        status
      }
    }
  }
`;

const HISTORY = `query ($id: ID!) { order(id: $id) { statusHistory { id orderId from to at reason version } } }`;
const PLACE = `mutation ($items: [OrderItemInput!]!) { placeOrder(items: $items) { id } }`;
const ACTIVE = 'order_status_subscriptions_active';

/** A graphql-ws client of the order subgraph, connecting with `connectionParams` (closed after the test). */
function client(connectionParams: Record<string, unknown>, url = orders.url): Client {
  const created = connect(url, connectionParams);
  clients.push(created);
  return created;
}

/** Subscribes straight to the order subgraph as `identity`, as Hive Gateway connects for its caller. */
function watchAs(identity: Identity, orderId?: string): Promise<TestSubscription> {
  return subscribe(orders.url, WATCH, orderId ? { orderId } : {}, client(internalIdentity(identity)));
}

const changeOf =
  (orderId: string) =>
  (result: Result): boolean =>
    result.data?.orderStatusChanged?.orderId === orderId;

/** `orderId`'s changes among `results`, in the order received. */
function changesIn(results: Result[], orderId: string) {
  return results.filter(changeOf(orderId)).map((result) => result.data!.orderStatusChanged);
}

/** An order of `identity`'s, for the same product as `like`; resolves once it is placed (PENDING). */
async function placeAs(identity: Identity, like: TestOrder): Promise<string> {
  const { placeOrder } = await ok(as(identity, orders.url, 'subgraph'), PLACE, {
    items: [{ productId: like.productId, quantity: 1 }],
  });
  return placeOrder.id;
}

/** How the subgraph ends a WebSocket handshake: acknowledged, or the close code and reason. */
function handshake(payload?: Record<string, unknown>, headers: Record<string, string> = {}) {
  return new Promise<{ acknowledged: true } | { code: number; reason: string }>((resolve, reject) => {
    const socket = new WebSocket(wsUrl(orders.url), 'graphql-transport-ws', { headers });
    socket.once('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', ...(payload && { payload }) })));
    socket.on('message', (data: Buffer) => {
      if ((JSON.parse(data.toString()) as { type: string }).type !== 'connection_ack') return;
      resolve({ acknowledged: true });
      socket.close(1000);
    });
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
}

/** A JWT with an internal token's claims, signed with `secret`, issued `ageSeconds` ago (it lives 60 s). */
function internalTokenWith(secret: string, identity: Identity, ageSeconds = 0): string {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign({ role: identity.role, iat: now - ageSeconds }, secret, {
    algorithm: 'HS256',
    subject: identity.userId,
    audience: 'shop-subgraphs',
    issuer: 'gateway',
    expiresIn: 60,
  });
}

describe('orderStatusChanged on the order subgraph (graphql-ws)', () => {
  it("should deliver every change of a customer's own order, with the change's fields and the order as it is then", async () => {
    const subscription = await watchAs(orders.buyer);
    const order = await orders.place();
    await subscription.waitFor(2, changeOf(order.id));
    await orders.cancel(order.id, 'Changed my mind');
    await subscription.waitFor(3, changeOf(order.id));

    const delivered = changesIn(subscription.results, order.id);
    const { order: recorded } = await ok(as(orders.buyer, orders.url, 'subgraph'), HISTORY, { id: order.id });
    // Exactly the order's history, from the event stream, in order.
    expect(delivered.map(({ order: _order, ...change }) => change)).toEqual(recorded.statusHistory);
    expect(delivered.map((change) => [change.from, change.to, change.version, change.reason])).toEqual([
      [null, 'PENDING', 1, null],
      ['PENDING', 'CONFIRMED', 2, null],
      ['CONFIRMED', 'CANCELLED', 3, 'Changed my mind'],
    ]);
    // Each change is executed when it arrives: the order as it is then, never as it was first read.
    expect(delivered.map((change) => change.order.id)).toEqual([order.id, order.id, order.id]);
    expect(delivered[2].order).toEqual({ id: order.id, status: 'CANCELLED' });
    expect(['PENDING', 'CONFIRMED', 'CANCELLED']).toContain(delivered[0].order.status);
    expect(['CONFIRMED', 'CANCELLED']).toContain(delivered[1].order.status);
    expect(subscription.results.every((result) => !result.errors)).toBe(true);
  });

  it("should deliver a customer's order to an administrator watching every order, and to the customer watching that order", async () => {
    const [everything, one] = await Promise.all([watchAs(ADMIN), watchAs(orders.buyer)]);
    const order = await orders.place();
    // CONFIRMED has gone past this subgraph's subscriptions, so the next one sees only what follows.
    await everything.waitFor(2, changeOf(order.id));
    const watched = await watchAs(orders.buyer, order.id.toUpperCase());
    await orders.cancel(order.id);
    await everything.waitFor(3, changeOf(order.id));
    await watched.waitFor(1, changeOf(order.id));
    await one.waitFor(3, changeOf(order.id));

    expect(changesIn(everything.results, order.id).map((change) => change.to)).toEqual(['PENDING', 'CONFIRMED', 'CANCELLED']);
    // The same changes; each subscription executes them when they reach it, so `order` may differ.
    const fields = (results: Result[]) => changesIn(results, order.id).map(({ order: _order, ...change }) => change);
    expect(fields(everything.results)).toEqual(fields(one.results));
    // Watched by any spelling of its id, delivered under its one spelling; from subscribing on.
    expect(watched.results.map((result) => result.data?.orderStatusChanged.to)).toEqual(['CANCELLED']);
    expect(watched.results[0]?.data?.orderStatusChanged.orderId).toBe(order.id);
  });

  it("should deliver nothing of a customer's order to another customer", async () => {
    const [others, buyers] = await Promise.all([watchAs(other), watchAs(orders.buyer)]);
    const order = await orders.confirmed();
    await orders.cancel(order.id);
    await buyers.waitFor(3, changeOf(order.id));
    // The other customer's own order, placed after the buyer's was cancelled, comes later on the one
    // stream this subgraph reads: once it has arrived, anything of the buyer's would have too.
    const own = await placeAs(other, order);
    await others.waitFor(1, changeOf(own));

    expect(others.results.map((result) => result.data?.orderStatusChanged.orderId)).toEqual(others.results.map(() => own));
    expect(changesIn(others.results, order.id)).toEqual([]);
  });

  it("should refuse to watch another customer's order with NOT_FOUND, word for word as order(id:) refuses it", async () => {
    const order = await orders.place();
    const refused = await watchAs(other, order.id);
    const { error } = await refused.ended;
    const { errors: asQuery } = await graphql(
      as(other, orders.url, 'subgraph'),
      `
        query ($id: ID!) {
          order(id: $id) {
            id
          }
        }
      `,
      {
        id: order.id,
      },
    );

    expect(error).toBeUndefined();
    expect(refused.results).toHaveLength(1);
    const [refusal] = refused.results[0]!.errors!;
    expect(refusal).toMatchObject({ message: `Order "${order.id}" was not found.`, path: ['orderStatusChanged'] });
    expect(refusal?.extensions).toEqual({ code: 'NOT_FOUND', type: 'Order', id: order.id });
    expect([refusal?.message, refusal?.extensions]).toEqual([asQuery?.[0]?.message, asQuery?.[0]?.extensions]);
  });

  it('should refuse a malformed orderId with BAD_USER_INPUT', async () => {
    const refused = await watchAs(orders.buyer, 'not-an-id');
    await refused.ended;

    expect(refused.results[0]?.errors).toMatchObject([
      { message: 'orderId must be a valid id, got "not-an-id".', extensions: { code: 'BAD_USER_INPUT', field: 'orderId' } },
    ]);
  });

  it('should run queries on the socket as its caller', async () => {
    const order = await orders.place();
    const asked = (identity: Identity) =>
      subscribe(orders.url, `query ($id: ID!) { order(id: $id) { id } }`, { id: order.id }, client(internalIdentity(identity)));
    const [own, foreign] = await Promise.all([asked(orders.buyer), asked(other)]);
    await Promise.all([own.ended, foreign.ended]);

    expect(own.results).toEqual([{ data: { order: { id: order.id } } }]);
    expect(foreign.results[0]?.errors?.map((error) => error.extensions?.code)).toEqual(['NOT_FOUND']);
  });

  it('should free a subscription as soon as its client completes it, or goes away', async () => {
    const before = await scrapeMetric(orders.url, ACTIVE);
    const completed = await watchAs(orders.buyer);
    const dropped = await watchAs(orders.buyer);
    expect(await scrapeMetric(orders.url, ACTIVE)).toBe(before + 2);

    // complete() resolves once the subgraph has handled the complete message.
    await completed.complete();
    expect(await scrapeMetric(orders.url, ACTIVE)).toBe(before + 1);
    // A socket closing is the server's to notice, with nothing to await on this side.
    await dropped.close();
    expect(
      await pollUntil(
        () => scrapeMetric(orders.url, ACTIVE),
        (active) => active === before,
      ),
    ).toBe(before);
  });

  it('should keep refusing subscriptions over plain HTTP, with a code', async () => {
    const response = await graphql(
      as(orders.buyer, orders.url, 'subgraph'),
      `
        subscription {
          orderStatusChanged {
            id
          }
        }
      `,
    );

    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['BAD_REQUEST']);
  });

  it('should close its sockets with 1001 Going Away when it stops', async () => {
    const second = await startTestSubgraph(withoutWorkers(orderSubgraph), databases.order, {
      PRODUCT_SUBGRAPH_URL: orders.productUrl,
    });
    let subscription: TestSubscription | undefined;
    try {
      subscription = await subscribe(second.url, WATCH, {}, client(internalIdentity(orders.buyer), second.url));
    } finally {
      await second.close();
    }
    const { error } = (await subscription.ended) as { error?: { code: number; reason: string } };
    expect([error?.code, error?.reason]).toEqual([1001, 'Going away']);
  });
});

describe("the order subgraph's WebSocket identity", () => {
  const identity = () => internalIdentity(orders.buyer)[IDENTITY_HEADER]!;

  it('should close a socket that names no one with 4401 Unauthorized', async () => {
    const unauthorized = {
      code: 4401,
      reason: "Unauthorized: no x-internal-identity in connection_init's payload or the upgrade request",
    };
    expect(await handshake()).toEqual(unauthorized);
    expect(await handshake({ authorization: `Bearer ${identity()}` })).toEqual(unauthorized);
    expect(await handshake({ [IDENTITY_HEADER]: '' })).toEqual(unauthorized);
  });

  it.each([
    ['signed with another secret', () => internalTokenWith('a-secret-the-services-do-not-share-0123456789', ADMIN)],
    ['expired', () => internalTokenWith(TEST_INTERNAL_TOKENS.internalSecret, ADMIN, 61)],
    ['not a JWT at all', () => 'admin'],
  ])('should close a socket whose identity is %s with 4403 Forbidden', async (_, token) => {
    const forbidden = { code: 4403, reason: 'Forbidden: x-internal-identity is not a valid internal identity' };
    expect(await handshake({ [IDENTITY_HEADER]: token() })).toEqual(forbidden);
    expect(await handshake({ headers: { [IDENTITY_HEADER]: token() } })).toEqual(forbidden);
    expect(await handshake(undefined, { [IDENTITY_HEADER]: token() })).toEqual(forbidden);
  });

  it("should take the identity from connection_init's payload, its headers, or the upgrade request", async () => {
    expect(await handshake({ [IDENTITY_HEADER]: identity() })).toEqual({ acknowledged: true });
    expect(await handshake({ headers: { 'X-Internal-Identity': identity() } })).toEqual({ acknowledged: true });
    expect(await handshake(undefined, { [IDENTITY_HEADER]: identity() })).toEqual({ acknowledged: true });
  });
});
