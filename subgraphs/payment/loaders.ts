import DataLoader from 'dataloader';
import type { Payment } from '../../prisma/payment/generated/client';
import { groupByKey, idLoader } from '../../shared/loaders';
import { isId } from '../../shared/validation';
import type { Db } from './db';

/** All payments of each order, newest first, in one query per batch of orders. */
function paymentsByOrderLoader(db: Db): DataLoader<string, Payment[]> {
  return new DataLoader(
    async (orderIds) => {
      // Ids that cannot be UUIDs would make PostgreSQL reject the whole batch.
      const valid = [...new Set(orderIds.filter(isId))];
      const rows = valid.length
        ? await db.payment.findMany({
            where: { orderId: { in: valid } },
            orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          })
        : [];
      return groupByKey(orderIds, rows, (row) => row.orderId);
    },
    { maxBatchSize: 1000 },
  );
}

/** Created per request: a loader caches only what one request has seen. */
export function createLoaders(db: Db) {
  return {
    payment: idLoader((ids) => db.payment.findMany({ where: { id: { in: ids } } })),
    paymentsByOrder: paymentsByOrderLoader(db),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
