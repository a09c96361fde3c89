// The seed runs as `npm run db:seed` does, in its own process: faker is an ES module, which
// jest's CommonJS sandbox cannot load, and the CLI is what operators run anyway.
import { EnvReader, readSubgraphConfig } from '../shared/config';
import { databaseUrlVar, type SubgraphName } from '../shared/services';
import { createDb as createOrderDb } from '../subgraphs/order/db';
import { createDb as createPaymentDb } from '../subgraphs/payment/db';
import { createDb as createProductDb } from '../subgraphs/product/db';
import { createDb as createUserDb } from '../subgraphs/user/db';
import type { OrderStatus } from '../prisma/order/generated/client';
import { createTestDatabases, databaseUrl, type TestDatabases } from './support/databases';
import { runSeedCli, type CliRun } from './support/seed';

function openDbs(urls: Record<SubgraphName, string>) {
  const config = (name: SubgraphName) =>
    readSubgraphConfig(new EnvReader({ [databaseUrlVar(name)]: urls[name], DATABASE_POOL_SIZE: '2' }), name);
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

/** Every seeded row, each table ordered by id as the services list them. */
async function readAll() {
  const byId = { orderBy: { id: 'asc' as const } };
  const [users, categories, products, orders, orderItems, payments] = await Promise.all([
    dbs.user.user.findMany(byId),
    dbs.product.category.findMany(byId),
    dbs.product.product.findMany(byId),
    dbs.order.order.findMany(byId),
    dbs.order.orderItem.findMany(byId),
    dbs.payment.payment.findMany(byId),
  ]);
  return { users, categories, products, orders, orderItems, payments };
}

let data: Awaited<ReturnType<typeof readAll>>;

beforeAll(async () => {
  databases = await createTestDatabases();
  dbs = openDbs(databases);
  // --if-empty on fresh databases: the first start of a new installation.
  firstRun = await runSeedCli(databases, ['--if-empty']);
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

const ms = (date: Date) => date.getTime();

describe('seed', () => {
  it('should seed empty databases with --if-empty and print a one-line summary', () => {
    expect(firstRun).toMatchObject({ code: 0, stderr: '' });
    expect(firstRun.stdout.trim().split('\n')).toHaveLength(1);
    expect(firstRun.stdout).toMatch(/^Seeded 60 users, \d+ categories, 300 products, 500 orders/);
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
    expect(admin).toMatchObject({ email: 'admin@shop.example', name: 'Ada Admin', role: 'ADMIN' });
    expect(customer).toMatchObject({ email: 'customer@shop.example', name: 'Casey Customer', role: 'CUSTOMER' });
    const customerOrders = data.orders.filter((order) => order.userId === customer?.id);
    expect(customerOrders.length).toBeGreaterThanOrEqual(6);
    expect(customerOrders.length).toBeLessThanOrEqual(10);
    expect(new Set(data.users.map((user) => user.email)).size).toBe(60);
    expect(data.users.every((user) => user.email === user.email.toLowerCase())).toBe(true);
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
      CANCELLED: /^(REFUNDED)?$/,
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

  it('should stamp UUIDv7 ids from createdAt, so that id order is creation order', () => {
    for (const rows of [data.users, data.categories, data.products, data.orders, data.payments]) {
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

  it('should leave seeded databases alone with --if-empty', async () => {
    const extra = await dbs.user.user.create({ data: { email: 'kept@example.com', name: 'Kept' } });
    const run = await runSeedCli(databases, ['--if-empty']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Seed skipped: the user database already has 61 users/);
    expect(await dbs.user.user.findUnique({ where: { id: extra.id } })).not.toBeNull();
    await dbs.user.user.delete({ where: { id: extra.id } });
  });

  it('should change no database when one of them cannot be written', async () => {
    const extra = await dbs.order.order.create({ data: { userId: data.users[0]!.id, totalAmount: 1, currency: 'USD' } });
    const run = await runSeedCli({ ...databases, payment: databaseUrl('shop_test_no_such_database') });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Seeding failed in the payment database: Database `shop_test_no_such_database` does not exist');
    expect(run.stderr).toContain('No database was changed.');
    // Had the order database's transaction committed, the extra order would be gone.
    expect(await dbs.order.order.findUnique({ where: { id: extra.id } })).not.toBeNull();
    expect(await dbs.order.order.count()).toBe(501);
    await dbs.order.order.delete({ where: { id: extra.id } });
  });

  it('should replace the data with the very same rows on every run', async () => {
    const extra = await dbs.product.category.create({ data: { name: 'Temporary' } });
    const run = await runSeedCli(databases);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const again = await readAll();
    expect(again.categories.find((category) => category.id === extra.id)).toBeUndefined();
    expect(again).toEqual(data);
  });
});
