import type { SqlExecutor } from '../events/outbox';

/**
 * Takes a transaction-scoped advisory lock on `key` (e.g. an order id): everything that locks the
 * same key in this database runs one after the other, and the lock goes with commit or rollback.
 */
export async function lockKey(tx: SqlExecutor, key: string): Promise<void> {
  await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', key);
}
