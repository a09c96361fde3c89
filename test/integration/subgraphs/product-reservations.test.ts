// The product side of the order lifecycle, end to end through the real event bus: events are
// published on the order stream the way the order subgraph's relay would, two instances of the
// product subgraph consume them as one consumer group, and the results are read back from the
// product stream and the database.
import { createTestDatabases, type TestDatabases } from '../../support/databases';
import { statementCount } from '../../support/metrics';
import { buildEnvelope } from '../../support/streams';
import { eventPublisher, watchStream, type EventPublisher, type StreamWatch } from '../../support/event-watch';
import { startTestSubgraph, type TestSubgraph } from '../../support/subgraphs';
import type { EventEnvelope, EventPayloads, OrderLine } from '../../../shared/events/contracts';
import { newUuid7 } from '../../../shared/uuid7';
import type { Prisma } from '../../../prisma/product/generated/client';
import { productSubgraph } from '../../../subgraphs/product/server';
import type { Db } from '../../../subgraphs/product/db';

/** The product subgraph's consumer group: one per service, shared by its instances. */
const GROUP = 'product';
const UNKNOWN_PRODUCT_ID = '01920000-0000-7000-8000-000000000000';

let databases: TestDatabases;
let instances: TestSubgraph<Db>[] = [];
let db: Db;
let events: EventPublisher;
let productEvents: StreamWatch;

beforeAll(async () => {
  databases = await createTestDatabases(['product']);
  // Two instances on one database and one prefix: the same consumer group, like two replicas.
  instances = await Promise.all([1, 2].map(() => startTestSubgraph(productSubgraph, databases.product)));
  db = instances[0]!.db;
  events = eventPublisher();
  productEvents = watchStream('product');
});

afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.close()));
  events?.close();
  productEvents?.close();
  await databases?.drop();
});

let counter = 0;
let categoryId: string | undefined;

async function buildProductInput(overrides: Partial<Prisma.ProductUncheckedCreateInput> = {}) {
  categoryId ??= (await db.category.create({ data: { name: `Reservations ${newUuid7()}` } })).id;
  counter += 1;
  return {
    sku: `RES-${counter}-${newUuid7().slice(-8).toUpperCase()}`,
    name: `Reserved thing ${counter}`,
    priceAmount: 1000,
    priceCurrency: 'EUR',
    categoryId,
    stock: 5,
    ...overrides,
  };
}

async function createProduct(overrides: Partial<Prisma.ProductUncheckedCreateInput> = {}) {
  return db.product.create({ data: await buildProductInput(overrides) });
}

async function stockOf(...ids: string[]): Promise<number[]> {
  const rows = await db.product.findMany({ where: { id: { in: ids } }, select: { id: true, stock: true } });
  return ids.map((id) => rows.find((row) => row.id === id)?.stock ?? Number.NaN);
}

function buildOrderCreated(items: OrderLine[], overrides: Partial<EventPayloads['OrderCreated']> = {}) {
  return buildEnvelope('OrderCreated', { orderId: newUuid7(), userId: newUuid7(), items, ...overrides });
}

function buildStatusChange(orderId: string, overrides: Partial<EventPayloads['OrderStatusChanged']> = {}) {
  return buildEnvelope('OrderStatusChanged', {
    orderId,
    userId: newUuid7(),
    changeId: newUuid7(),
    from: 'CONFIRMED',
    to: 'CANCELLED',
    at: new Date().toISOString(),
    reason: 'Customer changed their mind',
    version: 3,
    ...overrides,
  });
}

/** Publishes on the order stream exactly as the order subgraph's outbox relay does, in this order. */
function publish(...envelopes: EventEnvelope[]): Promise<void> {
  return events.publish('order', ...envelopes);
}

type Match = (event: EventEnvelope) => boolean;
const forOrder =
  (...orderIds: string[]): Match =>
  (event) =>
    orderIds.includes((event.payload as { orderId?: string }).orderId ?? '');

/** Waits until the product stream holds `count` events matching `match`, and returns them. */
function waitForEvents(match: Match, count = 1, timeoutMs = 5_000): Promise<EventEnvelope[]> {
  return productEvents.all(count, match, timeoutMs);
}

/** Waits until the product group has acknowledged every event on the order stream, which it does only after their transactions committed. */
function waitUntilConsumed(): Promise<void> {
  return events.consumed('order', GROUP);
}

/** The events this service committed to its outbox for an order: each effect happened once per row. */
async function outboxTypes(orderId: string): Promise<string[]> {
  const rows = await db.outboxEvent.findMany({
    where: { payload: { path: ['orderId'], equals: orderId } },
    select: { type: true },
    orderBy: { id: 'asc' },
  });
  return rows.map((row) => row.type);
}

function reservationOf(orderId: string) {
  return db.stockReservation.findUnique({
    where: { orderId },
    select: { status: true, items: { select: { productId: true, quantity: true }, orderBy: { productId: 'asc' } } },
  });
}

const byProduct = <T extends { productId: string }>(lines: T[]) =>
  [...lines].sort((a, b) => a.productId.localeCompare(b.productId));

/** Places an order that gets reserved, and returns its id once StockReserved is out. */
async function reserved(items: OrderLine[]): Promise<string> {
  const created = buildOrderCreated(items);
  await publish(created);
  const [result] = await waitForEvents(forOrder(created.payload.orderId));
  expect(result?.type).toBe('StockReserved');
  return created.payload.orderId;
}

describe('stock reservations', () => {
  it('should reserve every item of an order and emit StockReserved', async () => {
    const [mug, tee] = [await createProduct({ stock: 5 }), await createProduct({ stock: 3 })];
    const items = [
      { productId: mug.id, quantity: 2 },
      { productId: tee.id, quantity: 3 },
    ];
    const created = buildOrderCreated(items);
    await publish(created);

    const [result] = await waitForEvents(forOrder(created.payload.orderId));
    expect(result).toMatchObject({ type: 'StockReserved', payload: { orderId: created.payload.orderId } });
    expect(byProduct((result?.payload as EventPayloads['StockReserved']).items)).toEqual(byProduct(items));
    expect(await stockOf(mug.id, tee.id)).toEqual([3, 0]);
    expect(await reservationOf(created.payload.orderId)).toEqual({ status: 'RESERVED', items: byProduct(items) });
  });

  it('should reserve nothing when one item is short, and emit StockRejected naming the shortages', async () => {
    const [mug, tee] = [await createProduct({ stock: 5, name: 'Blue mug' }), await createProduct({ stock: 1, name: 'Red tee' })];
    const created = buildOrderCreated([
      { productId: mug.id, quantity: 2 },
      { productId: tee.id, quantity: 3 },
      { productId: UNKNOWN_PRODUCT_ID, quantity: 1 },
    ]);
    await publish(created);

    const [result] = await waitForEvents(forOrder(created.payload.orderId));
    expect(result?.type).toBe('StockRejected');
    const { shortages, reason } = result?.payload as EventPayloads['StockRejected'];
    expect(byProduct(shortages)).toEqual(
      byProduct([
        { productId: tee.id, requested: 3, available: 1 },
        { productId: UNKNOWN_PRODUCT_ID, requested: 1, available: 0 },
      ]),
    );
    expect(reason).toContain('"Red tee" (3 requested, 1 available)');
    expect(reason).toContain(UNKNOWN_PRODUCT_ID);
    expect(reason).not.toContain('Blue mug');
    expect(await stockOf(mug.id, tee.id)).toEqual([5, 1]);
    expect(await reservationOf(created.payload.orderId)).toEqual({ status: 'REJECTED', items: [] });
  });

  it('should never take stock below zero', async () => {
    const lamp = await createProduct({ stock: 2 });
    const outcomes: { type: string; payload: unknown }[] = [];
    // One after another, so each order meets the stock the previous one left.
    for (const quantity of [3, 2, 1]) {
      const created = buildOrderCreated([{ productId: lamp.id, quantity }]);
      await publish(created);
      const [result] = await waitForEvents(forOrder(created.payload.orderId));
      outcomes.push({ type: result!.type, payload: result!.payload });
    }

    expect(outcomes.map((outcome) => outcome.type)).toEqual(['StockRejected', 'StockReserved', 'StockRejected']);
    expect(outcomes[2]?.payload).toMatchObject({ shortages: [{ productId: lamp.id, requested: 1, available: 0 }] });
    expect(await stockOf(lamp.id)).toEqual([0]);
  });

  it('should reserve once when the same OrderCreated is delivered twice', async () => {
    const chair = await createProduct({ stock: 5 });
    const created = buildOrderCreated([{ productId: chair.id, quantity: 2 }]);
    await publish(created, created);

    await waitForEvents(forOrder(created.payload.orderId));
    await waitUntilConsumed();
    expect(await stockOf(chair.id)).toEqual([3]);
    expect(await outboxTypes(created.payload.orderId)).toEqual(['StockReserved']);
    expect(await db.processedEvent.count({ where: { eventId: created.id } })).toBe(1);
  });

  it('should give a reservation back exactly once when its cancellation is delivered twice', async () => {
    const desk = await createProduct({ stock: 4 });
    const orderId = await reserved([{ productId: desk.id, quantity: 3 }]);
    expect(await stockOf(desk.id)).toEqual([1]);

    const cancelled = buildStatusChange(orderId);
    await publish(cancelled, cancelled);
    const [released] = await waitForEvents((event) => event.type === 'StockReleased' && forOrder(orderId)(event));
    await waitUntilConsumed();

    expect(released?.payload).toEqual({ orderId, items: [{ productId: desk.id, quantity: 3 }] });
    expect(await stockOf(desk.id)).toEqual([4]);
    expect(await outboxTypes(orderId)).toEqual(['StockReserved', 'StockReleased']);
    expect(await reservationOf(orderId)).toMatchObject({ status: 'RELEASED' });
  });

  it('should never reserve for an order whose cancellation arrived before its OrderCreated', async () => {
    const sofa = await createProduct({ stock: 2 });
    const created = buildOrderCreated([{ productId: sofa.id, quantity: 1 }]);
    const { orderId } = created.payload;

    await publish(buildStatusChange(orderId, { from: 'PENDING' }));
    await waitUntilConsumed();
    await publish(created);
    await waitUntilConsumed();

    expect(await stockOf(sofa.id)).toEqual([2]);
    expect(await outboxTypes(orderId)).toEqual([]);
    expect(await reservationOf(orderId)).toEqual({ status: 'RELEASED', items: [] });
  });

  it('should leave stock alone on status changes other than a cancellation, and on cancelling a rejected order', async () => {
    const rug = await createProduct({ stock: 3 });
    const paidOrderId = await reserved([{ productId: rug.id, quantity: 1 }]);
    const rejected = buildOrderCreated([{ productId: rug.id, quantity: 50 }]);
    await publish(rejected);
    await waitForEvents(forOrder(rejected.payload.orderId));

    await publish(
      buildStatusChange(paidOrderId, { from: 'CONFIRMED', to: 'PAID' }),
      buildStatusChange(rejected.payload.orderId, { from: 'PENDING', to: 'CANCELLED' }),
    );
    await waitUntilConsumed();

    expect(await stockOf(rug.id)).toEqual([2]);
    expect(await reservationOf(paidOrderId)).toMatchObject({ status: 'RESERVED' });
    expect(await reservationOf(rejected.payload.orderId)).toMatchObject({ status: 'REJECTED' });
    expect(await outboxTypes(rejected.payload.orderId)).toEqual(['StockRejected']);
  });

  it('should acknowledge an event that can never apply and go on consuming', async () => {
    const vase = await createProduct({ stock: 1 });
    const malformed = [
      buildOrderCreated([]),
      buildOrderCreated([{ productId: 'not-an-id', quantity: 1 }]),
      buildOrderCreated([{ productId: vase.id, quantity: 0 }]),
      buildOrderCreated([{ productId: vase.id, quantity: 1 }], { orderId: 'not-an-id' }),
    ];
    const orderId = newUuid7();
    await publish(...malformed, buildOrderCreated([{ productId: vase.id, quantity: 1 }], { orderId }));

    await waitForEvents(forOrder(orderId));
    await waitUntilConsumed();
    expect(await stockOf(vase.id)).toEqual([0]);
    for (const event of malformed) expect(await outboxTypes(event.payload.orderId)).toEqual([]);
  });

  it('should reserve exactly the stock there is when two instances race through 100 orders for it', async () => {
    const lastOne = await createProduct({ stock: 10 });
    const orders = Array.from({ length: 100 }, () => buildOrderCreated([{ productId: lastOne.id, quantity: 1 }]));
    const orderIds = orders.map((order) => order.payload.orderId);
    const statementsBefore = await Promise.all(instances.map((instance) => statementCount(instance.url)));

    await publish(...orders);
    const results = await waitForEvents(forOrder(...orderIds), 100, 15_000);

    expect(new Set(results.map((event) => (event.payload as { orderId: string }).orderId)).size).toBe(100);
    expect(results.filter((event) => event.type === 'StockReserved')).toHaveLength(10);
    expect(results.filter((event) => event.type === 'StockRejected')).toHaveLength(90);
    expect(await stockOf(lastOne.id)).toEqual([0]);
    const reservedUnits = await db.stockReservationItem.aggregate({ where: { productId: lastOne.id }, _sum: { quantity: true } });
    expect(reservedUnits._sum.quantity).toBe(10);
    // Both instances handled some of the orders: the race was real.
    const statementsAfter = await Promise.all(instances.map((instance) => statementCount(instance.url)));
    statementsAfter.forEach((after, i) => expect(after).toBeGreaterThan(statementsBefore[i]!));
  }, 20_000);
});
