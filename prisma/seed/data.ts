// The demo data set, generated in memory before anything touches a database. Everything comes
// from one seeded faker and a fixed reference date, so every run produces the same rows, ids
// included: examples and benchmarks can name them.
import type { User } from '../user/generated/client';
import type { Category, Product, StockReservation, StockReservationItem } from '../product/generated/client';
import type { Order, OrderItem, OrderStatus, OrderStatusChange } from '../order/generated/client';
import type { CancelledOrder, Payment } from '../payment/generated/client';
import type { EventPayloads } from '../../shared/events/contracts';
import { CATEGORIES } from './catalog';
import { DEMO_ACCOUNTS, demoPasswordHash, type DemoAccount } from './demo-accounts';
import { DAY, Generator, HOUR, MINUTE, weighted, type Weighted } from './generator';
import { paymentRow, tellStory } from './lifecycle';

export const SEED = 20_240_611;

/**
 * "Now" for the data set: orders span the year before it. Fixed rather than the clock's today,
 * so that ids (stamped from createdAt) are the same on every machine and every day.
 */
export const REFERENCE_DATE = new Date('2026-11-01T00:00:00.000Z');

/** How many rows of each the data set has. The benchmarks seed a larger set with the same shape. */
export interface SeedSizes {
  users: number;
  /** At most what the catalog's names allow per category (see catalog.ts). */
  products: number;
  orders: number;
}

export const SIZES: Readonly<SeedSizes> = { users: 60, products: 300, orders: 500 };
export const CURRENCY = 'USD';

export interface ShopData {
  users: User[];
  categories: Category[];
  products: Product[];
  stockReservations: StockReservation[];
  stockReservationItems: StockReservationItem[];
  orders: Order[];
  orderItems: OrderItem[];
  orderStatusChanges: OrderStatusChange[];
  /** For the order outbox: the PENDING orders' OrderCreated, which the product subgraph has yet to handle. */
  orderCreatedEvents: EventPayloads['OrderCreated'][];
  payments: Payment[];
  cancelledOrders: CancelledOrder[];
}

/** The documented customer's orders: one in every stage of the lifecycle, recent first. */
const CUSTOMER_ORDERS: readonly [ageHours: number, status: OrderStatus][] = [
  [2, 'PENDING'],
  [20, 'CONFIRMED'],
  [60, 'PAID'],
  [150, 'SHIPPED'],
  [30 * 24, 'DELIVERED'],
  [75 * 24, 'CANCELLED'],
  [140 * 24, 'PAYMENT_FAILED'],
  [220 * 24, 'DELIVERED'],
];
const ADMIN_ORDERS: readonly [ageHours: number, status: OrderStatus][] = [
  [6 * 24, 'SHIPPED'],
  [180 * 24, 'DELIVERED'],
];

/** Young orders are still moving through the lifecycle; old ones have mostly arrived. */
function statusWeightsForAge(ageMs: number): Weighted<OrderStatus> {
  if (ageMs < 2 * DAY) {
    return weighted(['PENDING', 25], ['CONFIRMED', 25], ['PAID', 25], ['PAYMENT_FAILED', 8], ['FAILED', 5], ['CANCELLED', 12]);
  }
  if (ageMs < 10 * DAY) {
    return weighted(['PAID', 15], ['SHIPPED', 55], ['DELIVERED', 10], ['CANCELLED', 10], ['PAYMENT_FAILED', 6], ['FAILED', 4]);
  }
  return weighted(['DELIVERED', 80], ['CANCELLED', 10], ['PAYMENT_FAILED', 5], ['FAILED', 3], ['SHIPPED', 2]);
}

const ITEM_COUNT_WEIGHTS = weighted([1, 30], [2, 30], [3, 20], [4, 12], [5, 8]);
const QUANTITY_WEIGHTS = weighted([1, 75], [2, 18], [3, 7]);

/** The demo accounts' password hashes, by email; the other seeded users have none and cannot log in. */
type PasswordHashes = ReadonlyMap<string, string>;

async function hashDemoPasswords(): Promise<PasswordHashes> {
  const accounts = Object.values(DEMO_ACCOUNTS);
  return new Map(await Promise.all(accounts.map(async (account) => [account.email, await demoPasswordHash(account)] as const)));
}

function generateUsers(g: Generator, passwordHashes: PasswordHashes, sizes: SeedSizes): User[] {
  const { admin, customer } = DEMO_ACCOUNTS;
  // The oldest accounts, so they also come first in every list (lists are ordered by id).
  const withoutPassword = ({ password: _password, ...account }: DemoAccount) => account;
  const documented = [
    { ...withoutPassword(admin), createdAt: new Date(g.ago(600 * DAY)) },
    { ...withoutPassword(customer), createdAt: new Date(g.ago(590 * DAY)) },
  ];
  const emails = new Set<string>(documented.map((account) => account.email));
  const others = Array.from({ length: sizes.users - documented.length }, () => {
    const firstName = g.faker.person.firstName();
    const lastName = g.faker.person.lastName();
    let email = g.faker.internet.exampleEmail({ firstName, lastName }).toLowerCase();
    while (emails.has(email)) email = g.faker.internet.exampleEmail({ firstName, lastName }).toLowerCase();
    emails.add(email);
    return {
      email,
      name: `${firstName} ${lastName}`,
      role: 'CUSTOMER' as const,
      createdAt: g.between(g.ago(540 * DAY), g.ago(20 * DAY)),
    };
  }).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());

  return [...documented, ...others].map((user) => ({
    id: g.id(user.createdAt),
    ...user,
    passwordHash: passwordHashes.get(user.email) ?? null,
    updatedAt: g.updatedAt(user.createdAt, 0.3),
  }));
}

function generateCategories(g: Generator): Category[] {
  return CATEGORIES.map((spec, index) => {
    const createdAt = new Date(g.ago(600 * DAY) + index * MINUTE);
    return { id: g.id(createdAt), name: spec.name, createdAt };
  });
}

/** Products per category, by share, adding up to exactly `total`. */
function categoryCounts(total: number): number[] {
  const counts = CATEGORIES.map((spec) => Math.floor(spec.share * total));
  const missing = total - counts.reduce((sum, count) => sum + count, 0);
  counts[0] = (counts[0] ?? 0) + missing;
  return counts;
}

const MIN_PRICE_DOLLARS = 1;
const MAX_PRICE_DOLLARS = 1998;

/** Around the typical price (-30% to +40%), in whole dollars ending in .99. */
function price(g: Generator, typicalDollars: number): number {
  const dollars = Math.round(typicalDollars * Math.exp(g.faker.number.float({ min: -0.35, max: 0.35 })));
  return Math.min(MAX_PRICE_DOLLARS, Math.max(MIN_PRICE_DOLLARS, dollars)) * 100 + 99;
}

function generateProducts(g: Generator, categories: Category[], sizes: SeedSizes): Product[] {
  const counts = categoryCounts(sizes.products);
  const drafts = CATEGORIES.flatMap((spec, index) => {
    const count = counts[index] ?? 0;
    const combinations = spec.adjectives.flatMap((adjective) =>
      spec.nouns.map(([noun, typicalDollars]) => ({ name: `${adjective} ${noun}`, typicalDollars })),
    );
    if (combinations.length < count) throw new Error(`catalog: ${spec.name} has too few product names`);
    const category = categories[index];
    if (!category) throw new Error(`catalog: no category row for ${spec.name}`);
    return g.faker.helpers
      .shuffle(combinations)
      .slice(0, count)
      .map((product) => ({ spec, category, ...product }));
  });

  // The catalogue existed before the first order of the year, so every order can contain any product.
  const createdAts = drafts.map(() => g.between(g.ago(590 * DAY), g.ago(370 * DAY))).sort((a, b) => a.getTime() - b.getTime());
  const sequence = new Map<string, number>();
  return g.faker.helpers.shuffle(drafts).map(({ spec, category, name, typicalDollars }, index) => {
    const createdAt = createdAts[index] ?? g.now;
    const number = (sequence.get(spec.skuPrefix) ?? 0) + 1;
    sequence.set(spec.skuPrefix, number);
    const [first, second] = g.faker.helpers.arrayElements(spec.features, 2);
    const closing = g.faker.helpers.arrayElement([
      'Ships within two business days.',
      'Free returns within 30 days.',
      `Rated ${g.faker.number.float({ min: 3.8, max: 5, fractionDigits: 1 })} out of 5 by our customers.`,
      'Gift wrapping available.',
    ]);
    return {
      id: g.id(createdAt),
      sku: `${spec.skuPrefix}-${String(number).padStart(6, '0')}`,
      name,
      description: `The ${name} comes with ${first} and ${second}. ${closing}`,
      priceAmount: price(g, typicalDollars),
      priceCurrency: CURRENCY,
      categoryId: category.id,
      stock: g.chance(0.08) ? 0 : g.faker.number.int({ min: 1, max: 500 }),
      createdAt,
      updatedAt: g.updatedAt(createdAt, 0.4),
    };
  });
}

interface OrderPlan {
  createdAt: Date;
  userId: string;
  status?: OrderStatus;
}

function planOrders(g: Generator, users: User[], sizes: SeedSizes): OrderPlan[] {
  const [admin, customer, ...others] = users;
  const earliest = others[0];
  if (!admin || !customer || !earliest) throw new Error('seed: the documented accounts come first');
  const fixed = (user: User, plans: typeof CUSTOMER_ORDERS) =>
    plans.map(([ageHours, status]) => ({
      createdAt: g.between(g.ago(ageHours * HOUR + 30 * MINUTE), g.ago(ageHours * HOUR)),
      userId: user.id,
      status,
    }));
  // Some customers buy far more than others.
  const buyers = others.map((user) => ({ value: user, weight: g.faker.number.float({ min: 0.2, max: 3 }) }));
  const randomCount = sizes.orders - CUSTOMER_ORDERS.length - ADMIN_ORDERS.length;
  const random = Array.from({ length: randomCount }, () => {
    // A growing shop: more orders in recent weeks than a year ago, so some are still in flight.
    const age = 2 * HOUR + (365 * DAY - 2 * HOUR) * g.faker.number.float({ min: 0, max: 1 }) ** 1.5;
    const createdAt = new Date(g.ago(Math.round(age)));
    // Only people who had signed up by then can have ordered.
    const eligible = buyers.filter(({ value }) => value.createdAt < createdAt);
    const user = eligible.length ? g.pick(eligible) : earliest;
    return { createdAt, userId: user.id };
  });
  return [...fixed(customer, CUSTOMER_ORDERS), ...fixed(admin, ADMIN_ORDERS), ...random].sort(
    (a, b) => a.createdAt.getTime() - b.createdAt.getTime(),
  );
}

function generateOrders(g: Generator, users: User[], products: Product[], sizes: SeedSizes) {
  const data: Omit<ShopData, 'users' | 'categories' | 'products'> = {
    stockReservations: [],
    stockReservationItems: [],
    orders: [],
    orderItems: [],
    orderStatusChanges: [],
    orderCreatedEvents: [],
    payments: [],
    cancelledOrders: [],
  };
  for (const plan of planOrders(g, users, sizes)) {
    const id = g.id(plan.createdAt);
    const lines = g.faker.helpers.arrayElements(products, g.pick(ITEM_COUNT_WEIGHTS)).map((product) => ({
      id: g.id(plan.createdAt),
      orderId: id,
      productId: product.id,
      productName: product.name,
      quantity: g.pick(QUANTITY_WEIGHTS),
      unitPriceAmount: product.priceAmount,
    }));
    const placed: Order = {
      id,
      userId: plan.userId,
      status: plan.status ?? g.pick(statusWeightsForAge(g.now.getTime() - plan.createdAt.getTime())),
      totalAmount: lines.reduce((sum, line) => sum + line.quantity * line.unitPriceAmount, 0),
      currency: CURRENCY,
      createdAt: plan.createdAt,
      updatedAt: plan.createdAt,
      version: 0,
    };
    const { steps, payments, reservation, cancelledAt } = tellStory(g, placed, lines);
    const changes = steps.map((step, index) => ({
      id: g.id(step.at),
      orderId: id,
      fromStatus: steps[index - 1]?.status ?? null,
      toStatus: step.status,
      reason: step.reason,
      version: index + 1,
      createdAt: step.at,
    }));
    const latest = changes.at(-1);
    if (latest?.toStatus !== placed.status) throw new Error(`seed: the story of order ${id} does not end in ${placed.status}`);
    // As the order subgraph keeps it: the latest change's instant and version.
    data.orders.push({ ...placed, updatedAt: latest.createdAt, version: latest.version });
    data.orderItems.push(...lines);
    data.orderStatusChanges.push(...changes);
    data.payments.push(...payments.map((draft) => paymentRow(g.id(draft.createdAt), placed, draft)));

    // In item id order, as placeOrder lists them in OrderCreated.
    const orderLines = [...lines]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map(({ productId, quantity }) => ({ productId, quantity }));
    if (placed.status === 'PENDING') data.orderCreatedEvents.push({ orderId: id, userId: placed.userId, items: orderLines });
    if (reservation) {
      const { holdsItems, ...row } = reservation;
      data.stockReservations.push({ orderId: id, ...row });
      if (holdsItems) data.stockReservationItems.push(...orderLines.map((line) => ({ orderId: id, ...line })));
    }
    if (cancelledAt) data.cancelledOrders.push({ orderId: id, cancelledAt });
  }
  return data;
}

/** The whole data set. Same options, same rows, byte for byte. */
export async function generateShopData({
  seed = SEED,
  referenceDate = REFERENCE_DATE,
  sizes = SIZES,
}: { seed?: number; referenceDate?: Date; sizes?: SeedSizes } = {}): Promise<ShopData> {
  // faker is published as an ES module only, which this CommonJS project loads with import().
  // The English-only entry loads in a fraction of the time of the all-locales one. Its instance
  // is shared, but reseeding it here and generating synchronously below keeps runs independent.
  const { faker } = await import('@faker-js/faker/locale/en');
  // Before seeding faker: everything after it stays synchronous.
  const passwordHashes = await hashDemoPasswords();
  faker.seed(seed);
  faker.setDefaultRefDate(referenceDate);
  const g = new Generator(faker, referenceDate);
  const users = generateUsers(g, passwordHashes, sizes);
  const categories = generateCategories(g);
  const products = generateProducts(g, categories, sizes);
  return { users, categories, products, ...generateOrders(g, users, products, sizes) };
}
