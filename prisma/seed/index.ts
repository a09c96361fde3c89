// The seed as a function: `npm run db:seed` (prisma/seed.ts) and the dev launcher call it.
// It is an operator tool, so unlike the services it writes to all four databases.
import { EnvReader, readDatabaseConfig } from '../../shared/config';
import { databaseUrlVar, SUBGRAPHS, type SubgraphName } from '../../shared/services';
import { createDb as createOrderDb } from '../../subgraphs/order/db';
import { createDb as createPaymentDb } from '../../subgraphs/payment/db';
import { createDb as createProductDb } from '../../subgraphs/product/db';
import { createDb as createUserDb } from '../../subgraphs/user/db';
import { generateShopData, type SeedSizes, type ShopData } from './data';
import { inDatabase, writeShopData, type SeedDatabases } from './write';
import { skippedSummary } from './status';

export { REFERENCE_DATE, SIZES, type SeedSizes } from './data';
export { DEMO_ACCOUNTS } from './demo-accounts';
export { SeedError } from './write';

export interface SeedOptions {
  /** Seed only when the user database has no users yet (a first start); otherwise do nothing. */
  ifEmpty?: boolean;
  /** "Now" for the data set; the default is fixed so that every run writes the same rows. */
  referenceDate?: Date;
  /** The demo data set's sizes (SIZES) unless given. */
  sizes?: SeedSizes;
}

export type SeedCounts = { [Table in keyof ShopData]: number };

type SeedOutcome = { seeded: true; counts: SeedCounts; durationMs: number } | { seeded: false; existingUsers: number };

export type SeedResult = SeedOutcome & {
  /** One line for a terminal: what was written, or why nothing was. */
  summary: string;
};

/**
 * Opens the four databases: `urls` first, else USER_DATABASE_URL etc. with their development
 * defaults, exactly as the services resolve them.
 */
function openDatabases(urls: Partial<Record<SubgraphName, string>>): SeedDatabases {
  const overrides = Object.fromEntries(Object.entries(urls).map(([name, url]) => [databaseUrlVar(name as SubgraphName), url]));
  const env = new EnvReader({ ...process.env, ...overrides });
  // Only the databases: the seed neither serves nor publishes, so it needs no Redis or secrets.
  const configs = {
    user: readDatabaseConfig(env, 'user'),
    product: readDatabaseConfig(env, 'product'),
    order: readDatabaseConfig(env, 'order'),
    payment: readDatabaseConfig(env, 'payment'),
  };
  env.done();
  return {
    user: createUserDb(configs.user),
    product: createProductDb(configs.product),
    order: createOrderDb(configs.order),
    payment: createPaymentDb(configs.payment),
  };
}

/** Replaces the data of the four (already migrated) databases with the demo data set. */
export async function seed(urls: Partial<Record<SubgraphName, string>> = {}, options: SeedOptions = {}): Promise<SeedResult> {
  const started = performance.now();
  const dbs = openDatabases(urls);
  try {
    if (options.ifEmpty) {
      const existingUsers = await inDatabase('user', () => dbs.user.user.count());
      if (existingUsers > 0) return withSummary({ seeded: false, existingUsers });
    }
    const data = await generateShopData({ referenceDate: options.referenceDate, sizes: options.sizes });
    await writeShopData(dbs, data);
    const counts = Object.fromEntries(
      Object.entries(data as unknown as Record<string, unknown[]>).map(([table, rows]) => [table, rows.length]),
    ) as SeedCounts;
    return withSummary({ seeded: true, counts, durationMs: Math.round(performance.now() - started) });
  } finally {
    await Promise.all(SUBGRAPHS.map((name) => dbs[name].$disconnect()));
  }
}

function withSummary(outcome: SeedOutcome): SeedResult {
  return { ...outcome, summary: summarize(outcome) };
}

function summarize(outcome: SeedOutcome): string {
  if (!outcome.seeded) {
    return skippedSummary(outcome.existingUsers);
  }
  const { users, categories, products, orders, orderItems, orderStatusChanges, stockReservations, payments, orderCreatedEvents } =
    outcome.counts;
  return (
    `Seeded ${users} users, ${categories} categories, ${products} products, ${orders} orders ` +
    `(${orderItems} items, ${orderStatusChanges} status changes, ${stockReservations} stock reservations) ` +
    `and ${payments} payments in ${(outcome.durationMs / 1000).toFixed(1)} s; ` +
    `${orderCreatedEvents} PENDING orders get their stock reserved once the services run.`
  );
}
