// The seed runs as `npm run db:seed` does, in its own process: faker is an ES module, which
// jest's CommonJS sandbox cannot load, and the CLI is what operators run anyway.
import { EnvReader, readDatabaseConfig } from '../../../shared/config';
import { databaseUrlVar, type SubgraphName } from '../../../shared/services';
import { createDb as createOrderDb } from '../../../subgraphs/order/db';
import { createDb as createPaymentDb } from '../../../subgraphs/payment/db';
import { createDb as createProductDb } from '../../../subgraphs/product/db';
import { createDb as createUserDb } from '../../../subgraphs/user/db';
import type { OrderStatus } from '../../../prisma/order/generated/client';
import { claimEvent, enqueueEvent } from '../../../shared/events/outbox';
import { canTransition, INITIAL_STATUS, triggerInto } from '../../../subgraphs/order/status';
import { createTestDatabases, missingDatabaseUrl, type TestDatabases } from '../../support/databases';
import { runSeedCli, type CliRun } from '../../support/seed';
import { startTestSubgraph } from '../../support/subgraphs';
import { ok } from '../../support/graphql';
import { verifyIssuedToken } from '../../support/auth';
import { userSubgraph } from '../../../subgraphs/user/server';
import { DEMO_ACCOUNTS } from '../../../prisma/seed/demo-accounts';

function openDbs(urls: Record<SubgraphName, string>) {
  const config = (name: SubgraphName) =>
    readDatabaseConfig(new EnvReader({ [databaseUrlVar(name)]: urls[name], DATABASE_POOL_SIZE: '2' }), name);
  return {
    user: createUserDb(config('user')),
    product: createProductDb(config('product')),
    order: createOrderDb(config('order')),
    payment: createPaymentDb(config('payment')),
  };
}

let databases: TestDatabases;
let dbs: ReturnType<typeof openDbs>;
let firstRun: CliRun;

/** Resolves a record of promises into the record of their values, side by side. */
async function allOf<T extends Record<string, Promise<unknown>>>(promises: T): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const entries = await Promise.all(Object.entries(promises).map(async ([key, value]) => [key, await value] as const));
  return Object.fromEntries(entries) as { [K in keyof T]: Awaited<T[K]> };
}

/** Every seeded row, each table ordered by id (or key) as the services list them. */
async function readAll() {
  const byId = { orderBy: { id: 'asc' as const } };
  const byOrder = { orderBy: { orderId: 'asc' as const } };
  // Event ids and insert times are stamped when the row is written; what a run decides is the rest.
  const events = { select: { stream: true, type: true, payload: true, publishedAt: true }, ...byId };
  return allOf({
    users: dbs.user.user.findMany(byId),
    categories: dbs.product.category.findMany(byId),
    products: dbs.product.product.findMany(byId),
    stockReservations: dbs.product.stockReservation.findMany(byOrder),
    stockReservationItems: dbs.product.stockReservationItem.findMany({ orderBy: [{ orderId: 'asc' }, { productId: 'asc' }] }),
    orders: dbs.order.order.findMany(byId),
    orderItems: dbs.order.orderItem.findMany(byId),
    orderStatusChanges: dbs.order.orderStatusChange.findMany(byId),
    payments: dbs.payment.payment.findMany(byId),
    cancelledOrders: dbs.payment.cancelledOrder.findMany(byOrder),
    outbox: allOf({
      order: dbs.order.outboxEvent.findMany(events),
      product: dbs.product.outboxEvent.findMany(events),
      payment: dbs.payment.outboxEvent.findMany(events),
    }),
    processedEvents: Promise.all([
      dbs.order.processedEvent.count(),
      dbs.product.processedEvent.count(),
      dbs.payment.processedEvent.count(),
    ]),
  });
}

let data: Awaited<ReturnType<typeof readAll>>;

/**
 * The seed CLI, with this file's clients let go first: an embedded database is opened by one
 * process at a time (the clients reconnect on their next query).
 */
async function seedCli(
  urls: Record<SubgraphName, string>,
  args: string[] = [],
  options?: { production: boolean },
): Promise<CliRun> {
  await Promise.all(Object.values(dbs).map((db) => db.$disconnect()));
  return runSeedCli(urls, args, options);
}

beforeAll(async () => {
  databases = await createTestDatabases();
  dbs = openDbs(databases);
  // --if-empty on fresh databases: the first start of a new installation.
  firstRun = await seedCli(databases, ['--if-empty']);
  data = await readAll();
}, 30_000);

afterAll(async () => {
  if (dbs) await Promise.all(Object.values(dbs).map((db) => db.$disconnect()));
  await databases?.drop();
});

function countBy<T>(rows: T[], key: (row: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(key(row), (counts.get(key(row)) ?? 0) + 1);
  return counts;
}

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
}

const ms = (date: Date) => date.getTime();

const LOGIN = `mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken user { id email role } } }`;

/** An order's lines as events and reservations carry them, in one order for comparing. */
const asLines = (rows: { productId: string; quantity: number }[]) =>
  rows.map(({ productId, quantity }) => ({ productId, quantity })).sort((a, b) => a.productId.localeCompare(b.productId));

/** Where the lifecycle leaves the stock of an order in each status. */
const EXPECTED_RESERVATION: Record<OrderStatus, 'RESERVED' | 'REJECTED' | 'RELEASED' | null> = {
  PENDING: null,
  FAILED: 'REJECTED',
  CONFIRMED: 'RESERVED',
  PAYMENT_FAILED: 'RESERVED',
  PAID: 'RESERVED',
  SHIPPED: 'RESERVED',
  DELIVERED: 'RESERVED',
  CANCELLED: 'RELEASED',
};

describe('seed', () => {
  it('should seed empty databases with --if-empty and print a one-line summary', () => {
    expect(firstRun).toMatchObject({ code: 0, stderr: '' });
    expect(firstRun.stdout.trim().split('\n')).toHaveLength(1);
    expect(firstRun.stdout).toMatch(/^Seeded 60 users, \d+ categories, 300 products, 500 orders \(\d+ items, \d+ status changes/);
  });

  it('should write the documented amounts of each record', () => {
    expect(data.users).toHaveLength(60);
    expect(data.categories.length).toBeGreaterThanOrEqual(8);
    expect(data.categories.length).toBeLessThanOrEqual(10);
    expect(data.products).toHaveLength(300);
    expect(data.orders).toHaveLength(500);
    const itemsPerOrder = countBy(data.orderItems, (item) => item.orderId);
    expect(itemsPerOrder.size).toBe(500);
    expect(Math.min(...itemsPerOrder.values())).toBeGreaterThanOrEqual(1);
    expect(Math.max(...itemsPerOrder.values())).toBeLessThanOrEqual(5);
  });

  it('should list the two documented accounts first, the customer with about eight orders', () => {
    const [admin, customer] = data.users;
    expect(admin).toMatchObject({ email: DEMO_ACCOUNTS.admin.email, name: 'Ada Admin', role: 'ADMIN' });
    expect(customer).toMatchObject({ email: DEMO_ACCOUNTS.customer.email, name: 'Casey Customer', role: 'CUSTOMER' });
    const customerOrders = data.orders.filter((order) => order.userId === customer?.id);
    expect(customerOrders.length).toBeGreaterThanOrEqual(6);
    expect(customerOrders.length).toBeLessThanOrEqual(10);
    expect(new Set(data.users.map((user) => user.email)).size).toBe(60);
    expect(data.users.every((user) => user.email === user.email.toLowerCase())).toBe(true);
  });

  it('should let the documented accounts log in with their documented passwords, and no other seeded user', async () => {
    const users = await startTestSubgraph(userSubgraph, databases.user);
    try {
      for (const account of Object.values(DEMO_ACCOUNTS)) {
        const { login } = await ok(users.url, LOGIN, { email: account.email, password: account.password });
        expect(login.user).toMatchObject({ email: account.email, role: account.role });
        expect(await verifyIssuedToken(login.accessToken)).toMatchObject({
          userId: login.user.id,
          role: account.role,
        });
      }
    } finally {
      await users.close();
    }
    expect(data.users.slice(2).filter((user) => user.passwordHash !== null)).toEqual([]);
  });

  it('should give products unique SKUs, USD prices in cents from 199 to 199900 and stock from 0 to 500', () => {
    const categoryIds = new Set(data.categories.map((category) => category.id));
    expect(new Set(data.products.map((product) => product.sku)).size).toBe(300);
    const invalid = data.products.filter(
      (product) =>
        !/^[A-Z]{4}-\d{6}$/.test(product.sku) ||
        product.priceAmount < 199 ||
        product.priceAmount > 199_900 ||
        product.priceCurrency !== 'USD' ||
        product.stock < 0 ||
        product.stock > 500 ||
        !categoryIds.has(product.categoryId) ||
        product.description.length < 20,
    );
    expect(invalid).toEqual([]);
    expect(data.products.some((product) => product.stock === 0)).toBe(true);
    expect(countBy(data.products, (product) => product.categoryId).size).toBe(data.categories.length);
  });

  it('should make every order total the sum of its lines, in USD', () => {
    const lineTotals = new Map<string, number>();
    for (const item of data.orderItems) {
      lineTotals.set(item.orderId, (lineTotals.get(item.orderId) ?? 0) + item.quantity * item.unitPriceAmount);
    }
    const wrong = data.orders.filter((order) => order.totalAmount !== lineTotals.get(order.id) || order.currency !== 'USD');
    expect(wrong).toEqual([]);
  });

  it('should copy each item from a product of the product database, with its name and price', () => {
    const products = new Map(data.products.map((product) => [product.id, product]));
    const wrong = data.orderItems.filter((item) => {
      const product = products.get(item.productId);
      return item.productName !== product?.name || item.unitPriceAmount !== product.priceAmount || item.quantity < 1;
    });
    expect(wrong).toEqual([]);
  });

  it('should place every order for a user who had signed up by then, within the year', () => {
    const users = new Map(data.users.map((user) => [user.id, user]));
    const newest = Math.max(...data.orders.map((order) => ms(order.createdAt)));
    const wrong = data.orders.filter((order) => {
      const user = users.get(order.userId);
      return (
        !user ||
        ms(order.createdAt) <= ms(user.createdAt) ||
        ms(order.updatedAt) < ms(order.createdAt) ||
        newest - ms(order.createdAt) > 366 * 24 * 3_600_000
      );
    });
    expect(wrong).toEqual([]);
  });

  it('should give each order the payments its status implies', () => {
    const paymentsByOrder = new Map<string, typeof data.payments>();
    for (const payment of data.payments) {
      paymentsByOrder.set(payment.orderId, [...(paymentsByOrder.get(payment.orderId) ?? []), payment]);
    }
    const orderIds = new Set(data.orders.map((order) => order.id));
    expect(data.payments.every((payment) => orderIds.has(payment.orderId))).toBe(true);

    // Declined attempts may come before the last payment; only the last one can hold the money.
    const expectedLast: Record<OrderStatus, RegExp> = {
      PENDING: /^$/,
      FAILED: /^$/,
      CONFIRMED: /^(PENDING)?$/,
      PAYMENT_FAILED: /^FAILED$/,
      PAID: /^CAPTURED$/,
      SHIPPED: /^CAPTURED$/,
      DELIVERED: /^CAPTURED$/,
      // Cancelled before paying, after a declined payment, or refunded.
      CANCELLED: /^(FAILED|REFUNDED)?$/,
    };
    const wrong = data.orders.filter((order) => {
      const payments = paymentsByOrder.get(order.id) ?? [];
      const statuses = payments.map((payment) => payment.status);
      return (
        !expectedLast[order.status].test(statuses.at(-1) ?? '') ||
        (order.status === 'CONFIRMED' && statuses.length > 1) ||
        statuses.slice(0, -1).some((status) => status !== 'FAILED') ||
        payments.some(
          (payment) =>
            payment.amount !== order.totalAmount ||
            payment.currency !== 'USD' ||
            ms(payment.createdAt) <= ms(order.createdAt) ||
            ms(payment.updatedAt) < ms(payment.createdAt),
        )
      );
    });
    expect(wrong).toEqual([]);
    const statuses = new Set(data.orders.map((order) => order.status));
    expect(statuses.size).toBe(8);
    expect(new Set(data.payments.map((payment) => payment.method)).size).toBe(3);
  });

  it('should record the history of each order as a legal path of the state machine, versions 1..n, from createdAt to updatedAt', () => {
    const history = groupBy(data.orderStatusChanges, (change) => change.orderId);
    expect(history.size).toBe(data.orders.length);
    const wrong = data.orders.filter((order) => {
      const changes = [...(history.get(order.id) ?? [])].sort((a, b) => a.version - b.version);
      const first = changes[0];
      const last = changes.at(-1);
      return (
        !first ||
        !last ||
        !canTransition(first.fromStatus, first.toStatus, 'placement') ||
        first.toStatus !== INITIAL_STATUS ||
        ms(first.createdAt) !== ms(order.createdAt) ||
        last.toStatus !== order.status ||
        ms(last.createdAt) !== ms(order.updatedAt) ||
        order.version !== changes.length ||
        changes.some((change, index) => change.version !== index + 1) ||
        changes.slice(1).some((change, index) => {
          const previous = changes[index]!;
          return (
            change.fromStatus !== previous.toStatus ||
            !canTransition(change.fromStatus, change.toStatus, triggerInto(change.toStatus)) ||
            ms(change.createdAt) <= ms(previous.createdAt)
          );
        })
      );
    });
    expect(wrong).toEqual([]);
    // Some orders recovered from a declined payment, some were cancelled after they had been paid.
    const paths = new Set([...history.values()].map((changes) => changes.map((change) => change.toStatus).join('>')));
    expect(paths).toContain('PENDING>CONFIRMED>PAYMENT_FAILED>PAID>SHIPPED>DELIVERED');
    expect(paths).toContain('PENDING>CONFIRMED>PAID>CANCELLED');
    expect(paths).toContain('PENDING>CANCELLED');
  });

  it('should give a history step the reason the lifecycle gives it, and no other step one', () => {
    const paymentsByOrder = groupBy(data.payments, (payment) => payment.orderId);
    const wrong = data.orderStatusChanges.filter((change) => {
      switch (change.toStatus) {
        case 'FAILED':
          return !/^Not enough stock for ".+" \(\d+ requested, \d+ available\)\.$/.test(change.reason ?? '');
        case 'CANCELLED':
          return !change.reason?.trim();
        case 'PAYMENT_FAILED':
          return (
            !change.reason ||
            !(paymentsByOrder.get(change.orderId) ?? []).some((payment) => payment.failureReason === change.reason)
          );
        default:
          return change.reason !== null;
      }
    });
    expect(wrong).toEqual([]);
  });

  it('should move orders exactly as their payments did: PAYMENT_FAILED per declined payment, PAID per captured one', () => {
    const paymentsByOrder = groupBy(data.payments, (payment) => payment.orderId);
    const history = groupBy(data.orderStatusChanges, (change) => change.orderId);
    const wrong = data.orders.filter((order) => {
      const payments = paymentsByOrder.get(order.id) ?? [];
      const changes = history.get(order.id) ?? [];
      const count = <T>(rows: T[], test: (row: T) => boolean) => rows.filter(test).length;
      const paid = payments.filter((payment) => payment.status === 'CAPTURED' || payment.status === 'REFUNDED');
      const paidChange = changes.find((change) => change.toStatus === 'PAID');
      return (
        count(payments, (payment) => payment.status === 'FAILED') !==
          count(changes, (change) => change.toStatus === 'PAYMENT_FAILED') ||
        paid.length !== count(changes, (change) => change.toStatus === 'PAID') ||
        (paidChange !== undefined && paid.some((payment) => ms(payment.createdAt) >= ms(paidChange.createdAt))) ||
        (order.status === 'CANCELLED' && paid.some((payment) => payment.status !== 'REFUNDED'))
      );
    });
    expect(wrong).toEqual([]);
  });

  it('should reserve the stock of exactly the orders whose status says so, with their items', () => {
    const orders = new Map(data.orders.map((order) => [order.id, order]));
    const reservations = new Map(data.stockReservations.map((reservation) => [reservation.orderId, reservation]));
    const itemsByOrder = groupBy(data.orderItems, (item) => item.orderId);
    const reservedByOrder = groupBy(data.stockReservationItems, (item) => item.orderId);
    const history = groupBy(data.orderStatusChanges, (change) => change.orderId);
    expect(data.stockReservations.every((reservation) => orders.has(reservation.orderId))).toBe(true);

    const wrong = data.orders.filter((order) => {
      const reservation = reservations.get(order.id);
      const reserved = reservedByOrder.get(order.id) ?? [];
      const changes = history.get(order.id) ?? [];
      if ((reservation?.status ?? null) !== EXPECTED_RESERVATION[order.status]) return true;
      if (!reservation) return reserved.length > 0;
      const wasConfirmed = changes.some((change) => change.toStatus === 'CONFIRMED');
      const holdsItems = reservation.status === 'RESERVED' || (reservation.status === 'RELEASED' && wasConfirmed);
      // Made when the product subgraph handled OrderCreated: before the order moved on because of it.
      const settledBy = changes.find((change) => ['CONFIRMED', 'FAILED'].includes(change.toStatus));
      const cancelled = changes.find((change) => change.toStatus === 'CANCELLED');
      return (
        JSON.stringify(asLines(reserved)) !== JSON.stringify(holdsItems ? asLines(itemsByOrder.get(order.id) ?? []) : []) ||
        ms(reservation.createdAt) <= ms(order.createdAt) ||
        (settledBy && ms(reservation.createdAt) >= ms(settledBy.createdAt)) ||
        (cancelled
          ? ms(reservation.updatedAt) <= ms(cancelled.createdAt)
          : ms(reservation.updatedAt) !== ms(reservation.createdAt))
      );
    });
    expect(wrong).toEqual([]);
    expect(new Set(data.stockReservations.map((reservation) => reservation.status)).size).toBe(3);
    // A cancellation that overtook the reservation leaves a RELEASED tombstone without items.
    expect(
      data.stockReservations.some(
        (reservation) => reservation.status === 'RELEASED' && !reservedByOrder.has(reservation.orderId),
      ),
    ).toBe(true);
    expect(data.products.filter((product) => product.stock < 0)).toEqual([]);
  });

  it('should queue an OrderCreated in the order outbox for every PENDING order, and no other event', () => {
    const itemsByOrder = groupBy(data.orderItems, (item) => item.orderId);
    const pending = data.orders.filter((order) => order.status === 'PENDING');
    expect(pending.length).toBeGreaterThan(0);
    const expected = pending.map((order) => ({
      orderId: order.id,
      userId: order.userId,
      items: asLines(itemsByOrder.get(order.id) ?? []),
    }));
    const queued = data.outbox.order.map((event) => {
      expect(event).toMatchObject({ stream: 'order', type: 'OrderCreated', publishedAt: null });
      const payload = event.payload as { orderId: string; userId: string; items: { productId: string; quantity: number }[] };
      return { ...payload, items: asLines(payload.items) };
    });
    expect(queued.sort((a, b) => a.orderId.localeCompare(b.orderId))).toEqual(expected);
    expect(data.outbox.product).toEqual([]);
    expect(data.outbox.payment).toEqual([]);
    expect(data.processedEvents).toEqual([0, 0, 0]);
  });

  it('should shape card and PayPal payments as payForOrder leaves them, bank transfers as createPayment does', () => {
    const wrong = data.payments.filter((payment) => {
      const charged = payment.status === 'CAPTURED' || payment.status === 'REFUNDED';
      if (payment.method === 'BANK_TRANSFER') {
        return (
          payment.idempotencyKey !== null ||
          payment.processorReference !== null ||
          (payment.status === 'FAILED') !== (payment.failureReason !== null)
        );
      }
      return (
        payment.idempotencyKey !== `seed-${payment.id}` ||
        // The CHECK constraint of the payment migrations, and payForOrder's validation.
        !/^[A-Za-z0-9_-]{8,100}$/.test(payment.idempotencyKey) ||
        payment.status === 'PENDING' ||
        (charged ? !/^ch_fake_[0-9a-f]{24}$/.test(payment.processorReference ?? '') : payment.processorReference !== null) ||
        (payment.status === 'FAILED' ? payment.failureReason !== 'card_declined' : payment.failureReason !== null)
      );
    });
    expect(wrong).toEqual([]);
    expect(new Set(data.payments.map((payment) => payment.processorReference).filter(Boolean)).size).toBe(
      data.payments.filter((payment) => payment.processorReference).length,
    );
  });

  it('should leave a payment tombstone for exactly the cancelled orders, once each cancellation happened', () => {
    const cancelledAt = new Map(
      data.orderStatusChanges
        .filter((change) => change.toStatus === 'CANCELLED')
        .map((change) => [change.orderId, ms(change.createdAt)]),
    );
    const cancelled = data.orders
      .filter((order) => order.status === 'CANCELLED')
      .map((order) => order.id)
      .sort();
    expect(data.cancelledOrders.map((tombstone) => tombstone.orderId)).toEqual(cancelled);
    const early = data.cancelledOrders.filter(
      (tombstone) => ms(tombstone.cancelledAt) <= (cancelledAt.get(tombstone.orderId) ?? Infinity),
    );
    expect(early).toEqual([]);
  });

  it('should stamp UUIDv7 ids from createdAt, so that id order is creation order', () => {
    for (const rows of [data.users, data.categories, data.products, data.orders, data.orderStatusChanges, data.payments]) {
      const createdAts = rows.map((row) => ms(row.createdAt));
      expect(createdAts).toEqual([...createdAts].sort((a, b) => a - b));
      const wrong = rows.filter(
        (row) =>
          !/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(row.id) ||
          parseInt(row.id.replace(/-/g, '').slice(0, 12), 16) !== ms(row.createdAt),
      );
      expect(wrong).toEqual([]);
    }
  });

  it('should leave seeded databases alone with --if-empty, run as compose runs it (production, database URLs only)', async () => {
    const extra = await dbs.user.user.create({ data: { email: 'kept@example.com', name: 'Kept' } });
    const run = await seedCli(databases, ['--if-empty'], { production: true });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Seed skipped: the user database already has 61 users/);
    expect(await dbs.user.user.findUnique({ where: { id: extra.id } })).not.toBeNull();
    await dbs.user.user.delete({ where: { id: extra.id } });
  });

  it('should change no database when one of them cannot be written', async () => {
    const extra = await dbs.order.order.create({ data: { userId: data.users[0]!.id, totalAmount: 1, currency: 'USD' } });
    const run = await seedCli({ ...databases, payment: missingDatabaseUrl('shop_test_no_such_database') });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Seeding failed in the payment database: .*shop_test_no_such_database/);
    expect(run.stderr).toContain('No database was changed.');
    // Had the order database's transaction committed, the extra order would be gone.
    expect(await dbs.order.order.findUnique({ where: { id: extra.id } })).not.toBeNull();
    expect(await dbs.order.order.count()).toBe(501);
    await dbs.order.order.delete({ where: { id: extra.id } });
  });

  it('should replace the data, events in flight included, with the very same rows on every run', async () => {
    const extra = await dbs.product.category.create({ data: { name: 'Temporary' } });
    // What running services leave behind: handled and published events, a reservation, a tombstone.
    const orderId = '01920000-0000-7000-8000-00000000beef';
    const eventId = '01920000-0000-7000-8000-00000000feed';
    await dbs.product.stockReservation.create({
      data: { orderId, status: 'RESERVED', items: { create: [{ productId: data.products[0]!.id, quantity: 1 }] } },
    });
    await dbs.payment.cancelledOrder.create({ data: { orderId } });
    for (const db of [dbs.order, dbs.product, dbs.payment]) {
      await claimEvent(db, 'seed-test', eventId);
      await enqueueEvent(db, 'PaymentFailed', { paymentId: orderId, orderId, reason: 'card_declined' });
    }

    const run = await seedCli(databases);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const again = await readAll();
    expect(again.categories.find((category) => category.id === extra.id)).toBeUndefined();
    expect(again).toEqual(data);
  });
});
