// The order side of the event-driven lifecycle, through the real order subgraph and its workers:
// what it publishes on the "order" stream, and how the events of the product and payment streams
// move its orders. The test plays the product and payment services by publishing their events
// itself, so every event arrives exactly when the test says.
import type Redis from 'ioredis';
import { customer } from '../../support/auth';
import { createTestDatabases, type TestDatabases } from '../../support/databases';
import { TEST_EVENTS_PREFIX } from '../../support/events';
import { errorCodes, graphql, ok, type Endpoint } from '../../support/graphql';
import {
  buildEnvelope,
  connectTestRedis,
  publishEnvelope,
  readEntries,
  readUntil,
  type StreamEntry,
} from '../../support/streams';
import { startTestSubgraph, type TestSubgraph } from '../../support/subgraphs';
import {
  EVENT_STREAMS,
  type EventEnvelope,
  type EventPayloads,
  type EventType,
  type OrderStatusName,
} from '../../../shared/events/contracts';
import { streamKey } from '../../../shared/events/streams';
import { newUuid7 } from '../../../shared/uuid7';
import { orderSubgraph } from '../../../subgraphs/order/server';
import { productSubgraph } from '../../../subgraphs/product/server';
import { userSubgraph } from '../../../subgraphs/user/server';
import type { Db as OrderDb } from '../../../subgraphs/order/db';
import { describeWithRedis } from '../../support/requirements';

type StatusChange = EventPayloads['OrderStatusChanged'];
type Stream = 'product' | 'payment';

let databases: TestDatabases;
let orders: TestSubgraph<OrderDb>;
const started: TestSubgraph<unknown>[] = [];
/** Publishes the product and payment services' events. */
let publisher: Redis;
let userId: string;
/** The order subgraph as the customer who places the orders; administrators' moves go through orders.admin. */
let buyer: Endpoint;
let productId: string;

beforeAll(async () => {
  databases = await createTestDatabases(['user', 'product', 'order']);
  const [users, products] = await Promise.all([
    startTestSubgraph(userSubgraph, databases.user),
    // The catalog only, on events of its own: its stock reservations would otherwise race the
    // Stock* events this file publishes (they are the product side's tests' subject).
    startTestSubgraph(productSubgraph, databases.product, { EVENTS_PREFIX: `${TEST_EVENTS_PREFIX}catalog:` }),
  ]);
  started.push(users, products);
  orders = await startTestSubgraph(orderSubgraph, databases.order, {
    USER_SUBGRAPH_URL: users.url,
    PRODUCT_SUBGRAPH_URL: products.url,
  });
  started.push(orders);
  publisher = connectTestRedis('order-lifecycle');

  const { createUser } = await ok(
    users.admin,
    `mutation { createUser(input: { email: "lifecycle@example.com", name: "Lin" }) { id } }`,
  );
  userId = createUser.id;
  buyer = orders.as(customer(userId));
  const { createCategory } = await ok(products.admin, `mutation { createCategory(name: "Lifecycle goods") { id } }`);
  const { createProduct } = await ok(
    products.admin,
    `mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }`,
    {
      input: {
        sku: 'LIFECYCLE-1',
        name: 'Lamp',
        price: { amount: 2500, currency: 'EUR' },
        categoryId: createCategory.id,
        stock: 1000,
      },
    },
  );
  productId = createProduct.id;
});

afterAll(async () => {
  publisher?.disconnect();
  await Promise.all(started.map((subgraph) => subgraph.close()));
  await databases?.drop();
});

const PLACE = `mutation ($items: [OrderItemInput!]!) { placeOrder(items: $items) { id status version } }`;
const CANCEL = `mutation ($id: ID!, $reason: String) { cancelOrder(id: $id, reason: $reason) { id status version } }`;
const UPDATE_STATUS = `mutation ($id: ID!, $status: OrderStatus!) { updateOrderStatus(id: $id, status: $status) { id status version } }`;
const ORDER = `query ($id: ID!) {
  order(id: $id) { id status version updatedAt statusHistory { id orderId from to at reason version } }
}`;

function buildItems(overrides: Partial<{ productId: string; quantity: number }>[] = [{}]) {
  return overrides.map((item) => ({ productId, quantity: 2, ...item }));
}

async function placeOrder(items = buildItems()): Promise<string> {
  return (await ok(buyer, PLACE, { items })).placeOrder.id;
}

interface Published<T extends EventType = EventType> {
  envelope: EventEnvelope<T>;
  /** The stream entry's id. */
  entryId: string;
}

/** Publishes an event as its producing service's outbox relay would. */
async function publish<T extends EventType>(type: T, payload: EventPayloads[T]): Promise<Published<T>> {
  return republish(buildEnvelope(type, payload));
}

/** Puts an envelope on its stream; the very same envelope again is a redelivery. */
async function republish<T extends EventType>(envelope: EventEnvelope<T>): Promise<Published<T>> {
  return { envelope, entryId: await publishEnvelope(publisher, EVENT_STREAMS[envelope.type], envelope) };
}

/** Whether the order subgraph left an event unacknowledged, to be retried (it should only for transient failures). */
async function isPending({ envelope, entryId }: Published): Promise<boolean> {
  const key = streamKey(TEST_EVENTS_PREFIX, EVENT_STREAMS[envelope.type]);
  return (await publisher.xpending(key, 'order', entryId, entryId, 1)).length > 0;
}

/** Every event the order subgraph has published about `orderId` so far, oldest first. */
async function eventsAbout(orderId: string): Promise<EventEnvelope[]> {
  const entries = await readEntries(publisher, 'order');
  return entries.flatMap(({ event }) => (event && (event.payload as { orderId?: string }).orderId === orderId ? [event] : []));
}

/**
 * Waits (XREAD BLOCK, no polling) until the order subgraph has published the status change of
 * `orderId` with this `version`, and returns all of the order's status changes so far.
 */
async function changesUpTo(orderId: string, version: number): Promise<StatusChange[]> {
  const reached = (changes: StreamEntry[]) => changes.some(({ event }) => (event!.payload as StatusChange).version === version);
  const entries = await readUntil(publisher, 'order', reached, {
    where: ({ event }) => event?.type === 'OrderStatusChanged' && (event.payload as StatusChange).orderId === orderId,
    expected: `order ${orderId}'s status change version ${version}`,
  });
  return entries.map(({ event }) => event!.payload as StatusChange);
}

/** The status change of `orderId` with this `version`, once it is published. */
async function changeAt(orderId: string, version: number): Promise<StatusChange> {
  return (await changesUpTo(orderId, version)).find((change) => change.version === version)!;
}

type EventDrivenStatus = 'CONFIRMED' | 'FAILED' | 'PAID' | 'PAYMENT_FAILED';

/** The event of another service that moves an order to each event-driven status. */
const EVENTS: Record<EventDrivenStatus, (orderId: string) => Promise<Published>> = {
  CONFIRMED: (orderId) => publish('StockReserved', { orderId, items: buildItems() }),
  FAILED: (orderId) =>
    publish('StockRejected', {
      orderId,
      reason: 'Lamp: 2 requested, 0 available',
      shortages: [{ productId, requested: 2, available: 0 }],
    }),
  PAID: (orderId) => publish('PaymentCaptured', { paymentId: newUuid7(), orderId, amount: 5000, currency: 'EUR' }),
  PAYMENT_FAILED: (orderId) => publish('PaymentFailed', { paymentId: newUuid7(), orderId, reason: 'Card declined' }),
};

/** How each status is reached, one step at a time; each step is one status change. */
const STEPS: Record<Exclude<OrderStatusName, 'PENDING'>, (orderId: string) => Promise<unknown>> = {
  ...EVENTS,
  SHIPPED: (orderId) => ok(orders.admin, UPDATE_STATUS, { id: orderId, status: 'SHIPPED' }),
  DELIVERED: (orderId) => ok(orders.admin, UPDATE_STATUS, { id: orderId, status: 'DELIVERED' }),
  CANCELLED: (orderId) => ok(buyer, CANCEL, { id: orderId }),
};

const ROUTES: Record<OrderStatusName, Exclude<OrderStatusName, 'PENDING'>[]> = {
  PENDING: [],
  CONFIRMED: ['CONFIRMED'],
  FAILED: ['FAILED'],
  PAYMENT_FAILED: ['CONFIRMED', 'PAYMENT_FAILED'],
  PAID: ['CONFIRMED', 'PAID'],
  SHIPPED: ['CONFIRMED', 'PAID', 'SHIPPED'],
  DELIVERED: ['CONFIRMED', 'PAID', 'SHIPPED', 'DELIVERED'],
  CANCELLED: ['CANCELLED'],
};

/** A new order brought to `status` the way the lifecycle brings it there; resolves once it is. */
async function orderIn(status: OrderStatusName): Promise<{ id: string; version: number }> {
  const id = await placeOrder();
  let version = 1;
  for (const step of ROUTES[status]) {
    await STEPS[step](id);
    version += 1;
    expect((await changeAt(id, version)).to).toBe(step);
  }
  return { id, version };
}

/**
 * Resolves once the order subgraph has handled every event published on `stream` so far: it
 * handles a stream's events one after another, so when a marker event published last has taken
 * effect, every event before it has been handled. How a test shows that an event changed
 * nothing, without sleeping.
 */
async function settle(stream: Stream): Promise<void> {
  const marker = await orderIn(stream === 'product' ? 'PENDING' : 'CONFIRMED');
  await EVENTS[stream === 'product' ? 'FAILED' : 'PAYMENT_FAILED'](marker.id);
  await changeAt(marker.id, marker.version + 1);
}

/** The order as the database has it, with its history and the status events in its outbox. */
async function stored(orderId: string) {
  const [order, history, outboxed] = await Promise.all([
    orders.db.order.findUniqueOrThrow({ where: { id: orderId } }),
    orders.db.orderStatusChange.count({ where: { orderId } }),
    orders.db.outboxEvent.count({ where: { type: 'OrderStatusChanged', payload: { path: ['orderId'], equals: orderId } } }),
  ]);
  return { status: order.status, version: order.version, history, outboxed };
}

describeWithRedis('placeOrder', () => {
  it('should publish OrderCreated and then OrderStatusChanged to PENDING, version 1, matching the history', async () => {
    const id = await placeOrder(buildItems([{ quantity: 3 }]));
    const [placed] = await changesUpTo(id, 1);

    const events = await eventsAbout(id);
    expect(events.map((event) => event.type)).toEqual(['OrderCreated', 'OrderStatusChanged']);
    expect(events[0]!.payload).toEqual({ orderId: id, userId, items: [{ productId, quantity: 3 }] });
    const { order } = await ok(orders.admin, ORDER, { id });
    expect(order).toMatchObject({ status: 'PENDING', version: 1 });
    const [history] = order.statusHistory;
    expect(placed).toEqual({
      orderId: id,
      userId,
      changeId: history.id,
      from: null,
      to: 'PENDING',
      at: history.at,
      reason: null,
      version: 1,
    });
  });

  it('should write neither the order nor any event when its transaction fails half-way', async () => {
    const counts = async () => ({
      orders: await orders.db.order.count(),
      items: await orders.db.orderItem.count(),
      changes: await orders.db.orderStatusChange.count(),
      events: await orders.db.outboxEvent.count(),
    });
    // The outbox refuses the second event: by then the order, its items and OrderCreated are written.
    await orders.db.$executeRawUnsafe(`
      CREATE FUNCTION refuse_status_events() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.type = 'OrderStatusChanged' THEN RAISE EXCEPTION 'outbox unavailable'; END IF;
        RETURN NEW;
      END $$`);
    await orders.db.$executeRawUnsafe(
      'CREATE TRIGGER refuse_status_events BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION refuse_status_events()',
    );
    try {
      const before = await counts();
      const response = await graphql(buyer, PLACE, { items: buildItems() });
      expect(errorCodes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(response.errors?.[0]?.message).toBe('Internal server error');
      expect(await counts()).toEqual(before);
    } finally {
      await orders.db.$executeRawUnsafe('DROP TRIGGER refuse_status_events ON outbox');
      await orders.db.$executeRawUnsafe('DROP FUNCTION refuse_status_events()');
    }
    // Nor did anything reach the stream: once the next order's events are there, every order
    // the stream announced exists.
    await changesUpTo(await placeOrder(), 1);
    const entries = await readEntries(publisher, 'order');
    const announced = new Set(entries.map(({ event }) => (event as EventEnvelope<'OrderCreated'>).payload.orderId));
    expect(await orders.db.order.count({ where: { id: { in: [...announced] } } })).toBe(announced.size);
  });
});

describeWithRedis('events from the product and payment services', () => {
  it.each<[OrderStatusName, Exclude<OrderStatusName, 'PENDING'>, string | null]>([
    ['PENDING', 'CONFIRMED', null],
    ['PENDING', 'FAILED', 'Lamp: 2 requested, 0 available'],
    ['CONFIRMED', 'PAID', null],
    ['CONFIRMED', 'PAYMENT_FAILED', 'Card declined'],
    ['PAYMENT_FAILED', 'PAID', null],
  ])('should move a %s order to %s, recording and announcing the change', async (from, to, reason) => {
    const order = await orderIn(from);

    await STEPS[to](order.id);
    const change = await changeAt(order.id, order.version + 1);

    expect(change).toMatchObject({ orderId: order.id, userId, from, to, reason, version: order.version + 1 });
    const { order: read } = await ok(orders.admin, ORDER, { id: order.id });
    expect(read).toMatchObject({ status: to, version: order.version + 1 });
    expect(read.statusHistory.at(-1)).toEqual({
      id: change.changeId,
      orderId: order.id,
      from,
      to,
      at: change.at,
      reason,
      version: change.version,
    });
    expect(read.updatedAt).toBe(change.at);
  });

  it('should apply an event delivered twice only once', async () => {
    const id = await placeOrder();
    const reserved = await EVENTS.CONFIRMED(id);
    const again = await republish(reserved.envelope);
    await settle('product');

    expect(await stored(id)).toEqual({ status: 'CONFIRMED', version: 2, history: 2, outboxed: 2 });
    expect((await changesUpTo(id, 2)).map((change) => change.to)).toEqual(['PENDING', 'CONFIRMED']);
    expect(await isPending(again)).toBe(false);
  });

  it('should not apply a redelivered event that was handled before, even where it would apply now', async () => {
    const id = await placeOrder();
    // Too early the first time: ignored, but handled.
    const captured = await EVENTS.PAID(id);
    await settle('payment');
    await EVENTS.CONFIRMED(id);
    await changeAt(id, 2);

    await republish(captured.envelope);
    await settle('payment');

    expect(await stored(id)).toEqual({ status: 'CONFIRMED', version: 2, history: 2, outboxed: 2 });
  });

  it.each<[OrderStatusName, EventDrivenStatus]>([
    ['CONFIRMED', 'CONFIRMED'],
    ['CONFIRMED', 'FAILED'],
    ['CANCELLED', 'CONFIRMED'],
    ['FAILED', 'CONFIRMED'],
    ['PENDING', 'PAID'],
    ['PENDING', 'PAYMENT_FAILED'],
    ['PAYMENT_FAILED', 'PAYMENT_FAILED'],
    ['PAID', 'PAYMENT_FAILED'],
    ['CANCELLED', 'PAID'],
    ['SHIPPED', 'PAID'],
  ])('should leave a %s order as it is when an event would make it %s, and not retry the event', async (status, eventTo) => {
    const order = await orderIn(status);
    const before = await stored(order.id);

    const late = await EVENTS[eventTo](order.id);
    await settle(EVENT_STREAMS[late.envelope.type] as Stream);

    expect(await stored(order.id)).toEqual(before);
    expect(await eventsAbout(order.id)).toHaveLength(order.version + 1);
    expect(await isPending(late)).toBe(false);
  });

  it('should skip events about unknown orders and malformed events, and go on with the next ones', async () => {
    const skipped = [
      await publish('StockReserved', { orderId: '01920000-0000-7000-8000-000000000000', items: [] }),
      await publish('StockReserved', { orderId: 'not-an-id', items: [] }),
    ];
    await publisher.xadd(streamKey(TEST_EVENTS_PREFIX, 'product'), '*', 'event', '{not json');
    const id = await placeOrder();
    await EVENTS.CONFIRMED(id);
    expect((await changeAt(id, 2)).to).toBe('CONFIRMED');
    for (const event of skipped) expect(await isPending(event)).toBe(false);
  });
});

describeWithRedis('cancelOrder', () => {
  it.each<OrderStatusName>(['PENDING', 'CONFIRMED', 'PAYMENT_FAILED', 'PAID'])(
    'should cancel a %s order, announcing the reason',
    async (status) => {
      const order = await orderIn(status);

      const { cancelOrder } = await ok(buyer, CANCEL, { id: order.id, reason: 'Found it cheaper' });

      expect(cancelOrder).toEqual({ id: order.id, status: 'CANCELLED', version: order.version + 1 });
      expect(await changeAt(order.id, order.version + 1)).toMatchObject({
        from: status,
        to: 'CANCELLED',
        reason: 'Found it cheaper',
        userId,
      });
    },
  );

  it.each<OrderStatusName>(['SHIPPED', 'DELIVERED', 'FAILED', 'CANCELLED'])(
    'should refuse to cancel a %s order with CONFLICT, changing and announcing nothing',
    async (status) => {
      const order = await orderIn(status);
      const before = await stored(order.id);

      const response = await graphql(buyer, CANCEL, { id: order.id, reason: 'Too late' });

      expect(errorCodes(response)).toEqual(['CONFLICT']);
      expect(response.errors?.[0]?.extensions).toMatchObject({ from: status, to: 'CANCELLED' });
      expect(await stored(order.id)).toEqual(before);
    },
  );

  it('should serialise a cancellation racing a stock reservation: the order ends CANCELLED, versions consecutive', async () => {
    const id = await placeOrder();
    const [, cancelled] = await Promise.all([EVENTS.CONFIRMED(id), ok(buyer, CANCEL, { id })]);
    await settle('product');

    const changes = await changesUpTo(id, cancelled.cancelOrder.version);
    // Either the reservation came first (PENDING, CONFIRMED, CANCELLED) or it came too late and was ignored.
    expect([
      ['PENDING', 'CONFIRMED', 'CANCELLED'],
      ['PENDING', 'CANCELLED'],
    ]).toContainEqual(changes.map((change) => change.to));
    expect(changes.map((change) => change.version)).toEqual(changes.map((_, index) => index + 1));
    expect(await stored(id)).toEqual({
      status: 'CANCELLED',
      version: changes.length,
      history: changes.length,
      outboxed: changes.length,
    });
  });
});

describeWithRedis('administrators', () => {
  it('should ship a PAID order, then deliver it, announcing each change', async () => {
    const order = await orderIn('PAID');
    const { updateOrderStatus: shipped } = await ok(orders.admin, UPDATE_STATUS, { id: order.id, status: 'SHIPPED' });
    const { updateOrderStatus: delivered } = await ok(orders.admin, UPDATE_STATUS, { id: order.id, status: 'DELIVERED' });

    expect([shipped.version, delivered.version]).toEqual([order.version + 1, order.version + 2]);
    const changes = await changesUpTo(order.id, delivered.version);
    expect(changes.slice(-2).map(({ from, to }) => [from, to])).toEqual([
      ['PAID', 'SHIPPED'],
      ['SHIPPED', 'DELIVERED'],
    ]);
  });

  it.each<[OrderStatusName, OrderStatusName]>([
    ['CONFIRMED', 'SHIPPED'],
    ['PAYMENT_FAILED', 'SHIPPED'],
    ['PAID', 'DELIVERED'],
  ])('should refuse to move a %s order to %s with CONFLICT', async (status, to) => {
    const order = await orderIn(status);
    const before = await stored(order.id);
    const response = await graphql(orders.admin, UPDATE_STATUS, { id: order.id, status: to });
    expect(errorCodes(response)).toEqual(['CONFLICT']);
    expect(response.errors?.[0]?.extensions).toMatchObject({ from: status, to });
    expect(await stored(order.id)).toEqual(before);
  });
});

describeWithRedis('status history', () => {
  it('should list every change oldest first, each one what was announced and what orderStatusChange answers', async () => {
    const order = await orderIn('DELIVERED');
    const announced = await changesUpTo(order.id, order.version);
    const { order: read } = await ok(orders.admin, ORDER, { id: order.id });

    expect(read.version).toBe(5);
    expect(read.statusHistory.map((change: { to: string }) => change.to)).toEqual([
      'PENDING',
      'CONFIRMED',
      'PAID',
      'SHIPPED',
      'DELIVERED',
    ]);
    expect(read.statusHistory).toEqual(
      announced.map(({ changeId, orderId, from, to, at, reason, version }) => ({
        id: changeId,
        orderId,
        from,
        to,
        at,
        reason,
        version,
      })),
    );

    for (const change of announced) {
      const { orderStatusChange } = await ok(
        orders.admin,
        `query ($id: ID!) { orderStatusChange(id: $id) { id from to version order { id status } } }`,
        { id: change.changeId },
      );
      expect(orderStatusChange).toEqual({
        id: change.changeId,
        from: change.from,
        to: change.to,
        version: change.version,
        order: { id: order.id, status: 'DELIVERED' },
      });
    }
  });

  it('should answer orderStatusChange with NOT_FOUND for an unknown id and BAD_USER_INPUT for a malformed one', async () => {
    const query = `query ($id: ID!) { orderStatusChange(id: $id) { id } }`;
    expect(errorCodes(await graphql(orders.admin, query, { id: newUuid7() }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await graphql(orders.admin, query, { id: '42' }))).toEqual(['BAD_USER_INPUT']);
  });
});
