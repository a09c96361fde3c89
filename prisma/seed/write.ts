// Replaces the rows of the four databases with a generated data set: one transaction per
// database, committed only once all four have written, so a failure anywhere (a database
// down, a migration missing) leaves every database as it was.
import type { Db as OrderDb } from '../../subgraphs/order/db';
import type { Db as PaymentDb } from '../../subgraphs/payment/db';
import type { Db as ProductDb } from '../../subgraphs/product/db';
import type { Db as UserDb } from '../../subgraphs/user/db';
import { enqueueEvent } from '../../shared/events/outbox';
import type { SubgraphName } from '../../shared/services';
import type { ShopData } from './data';

export interface SeedDatabases {
  user: UserDb;
  product: ProductDb;
  order: OrderDb;
  payment: PaymentDb;
}

/** A failure in one database, named so an operator knows where to look. */
export class SeedError extends Error {
  override name = 'SeedError';

  constructor(
    readonly database: SubgraphName,
    cause: unknown,
    /** True when it failed while committing, after other databases may have committed. */
    readonly partial = false,
  ) {
    super(`the ${database} database: ${reason(cause)}`, { cause });
  }
}

/** Prisma puts the call site before the reason of a failed query; an operator needs only the reason. */
function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!message.includes('invocation')) return message;
  return message.trim().split('\n').at(-1) ?? message;
}

/** Runs `work` against one database, turning its failure into a SeedError. */
export async function inDatabase<T>(database: SubgraphName, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof SeedError ? error : new SeedError(database, error);
  }
}

/** Rows per INSERT: well below PostgreSQL's 65,535 bind parameters for every table. */
const CHUNK_SIZE = 1_000;
/** Time allowed for a database's writes plus the wait for the other three. */
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 60_000 };

async function insertInChunks<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < rows.length; start += CHUNK_SIZE) {
    await insert(rows.slice(start, start + CHUNK_SIZE));
  }
}

/** Waits inside an open transaction until every database has written, or throws to roll back. */
type AllWritten = () => Promise<void>;

// Per database: delete the seeded tables' rows (children first) and the events in flight of the
// data being replaced, insert the new rows, then hold the transaction open until the other
// databases are done too.
type Replace = (dbs: SeedDatabases, data: ShopData, allWritten: AllWritten) => Promise<void>;

const replaceUsers: Replace = ({ user: db }, data, allWritten) =>
  db.$transaction(async (tx) => {
    await tx.user.deleteMany();
    await insertInChunks(data.users, (chunk) => tx.user.createMany({ data: chunk }));
    await allWritten();
  }, TRANSACTION_OPTIONS);

const replaceCatalog: Replace = ({ product: db }, data, allWritten) =>
  db.$transaction(async (tx) => {
    await tx.outboxEvent.deleteMany();
    await tx.processedEvent.deleteMany();
    await tx.stockReservationItem.deleteMany();
    await tx.stockReservation.deleteMany();
    await tx.product.deleteMany();
    await tx.category.deleteMany();
    await insertInChunks(data.categories, (chunk) => tx.category.createMany({ data: chunk }));
    await insertInChunks(data.products, (chunk) => tx.product.createMany({ data: chunk }));
    await insertInChunks(data.stockReservations, (chunk) => tx.stockReservation.createMany({ data: chunk }));
    await insertInChunks(data.stockReservationItems, (chunk) => tx.stockReservationItem.createMany({ data: chunk }));
    await allWritten();
  }, TRANSACTION_OPTIONS);

const replaceOrders: Replace = ({ order: db }, data, allWritten) =>
  db.$transaction(async (tx) => {
    await tx.outboxEvent.deleteMany();
    await tx.processedEvent.deleteMany();
    await tx.orderStatusChange.deleteMany();
    await tx.orderItem.deleteMany();
    await tx.order.deleteMany();
    await insertInChunks(data.orders, (chunk) => tx.order.createMany({ data: chunk }));
    await insertInChunks(data.orderItems, (chunk) => tx.orderItem.createMany({ data: chunk }));
    await insertInChunks(data.orderStatusChanges, (chunk) => tx.orderStatusChange.createMany({ data: chunk }));
    // Published by the order subgraph's relay once it runs: the product subgraph then reserves
    // the PENDING orders' stock and they move on, as if just placed.
    for (const payload of data.orderCreatedEvents) await enqueueEvent(tx, 'OrderCreated', payload);
    await allWritten();
  }, TRANSACTION_OPTIONS);

const replacePayments: Replace = ({ payment: db }, data, allWritten) =>
  db.$transaction(async (tx) => {
    await tx.outboxEvent.deleteMany();
    await tx.processedEvent.deleteMany();
    await tx.cancelledOrder.deleteMany();
    await tx.payment.deleteMany();
    await insertInChunks(data.payments, (chunk) => tx.payment.createMany({ data: chunk }));
    await insertInChunks(data.cancelledOrders, (chunk) => tx.cancelledOrder.createMany({ data: chunk }));
    await allWritten();
  }, TRANSACTION_OPTIONS);

const REPLACERS: readonly [SubgraphName, Replace][] = [
  ['user', replaceUsers],
  ['product', replaceCatalog],
  ['order', replaceOrders],
  ['payment', replacePayments],
];

export async function writeShopData(dbs: SeedDatabases, data: ShopData): Promise<void> {
  let arrived = 0;
  let failure: SeedError | undefined;
  let release!: () => void;
  let abort!: (error: unknown) => void;
  const gate = new Promise<void>((resolve, reject) => {
    release = resolve;
    abort = reject;
  });
  // Observed by every waiting transaction; this only stops an unhandled rejection when none waits.
  gate.catch(() => undefined);
  const allWritten = () => {
    arrived += 1;
    if (arrived === REPLACERS.length) release();
    return gate;
  };

  await Promise.all(
    REPLACERS.map(([database, replace]) =>
      replace(dbs, data, allWritten).catch((error: unknown) => {
        // The first failure is the cause; the others are the rollbacks it triggered.
        if (failure) return;
        failure = new SeedError(database, error, arrived === REPLACERS.length);
        abort(failure);
      }),
    ),
  );
  if (failure) throw failure;
}
