import DataLoader from 'dataloader';
import {
  Prisma,
  type Order,
  type OrderItem,
  type OrderStatus,
  type OrderStatusChange,
} from '../../prisma/order/generated/client';
import { groupByKey, idLoader } from '../../shared/loaders';
import { isId } from '../../shared/validation';
import type { Db } from './db';

/** The question `User.orders` asks: a user's newest `first` orders, optionally in one status. */
export interface UserOrdersKey {
  userId: string;
  status: OrderStatus | null;
  first: number;
}

/** Created per request: a loader caches only what one request has seen. */
export function createLoaders(db: Db) {
  const order = idLoader((ids) => db.order.findMany({ where: { id: { in: ids } } }));

  const items = new DataLoader<string, OrderItem[]>(
    async (orderIds) => {
      const rows = await db.orderItem.findMany({ where: { orderId: { in: [...orderIds] } }, orderBy: { id: 'asc' } });
      return groupByKey(orderIds, rows, (row) => row.orderId);
    },
    { maxBatchSize: 1000 },
  );

  const statusChange = idLoader((ids) => db.orderStatusChange.findMany({ where: { id: { in: ids } } }));

  // Oldest first by version, not by id: two changes stamped in the same millisecond get UUIDv7s
  // in no particular order, while versions count an order's changes exactly.
  const statusHistory = new DataLoader<string, OrderStatusChange[]>(
    async (orderIds) => {
      const rows = await db.orderStatusChange.findMany({
        where: { orderId: { in: [...orderIds] } },
        orderBy: [{ orderId: 'asc' }, { version: 'asc' }],
      });
      return groupByKey(orderIds, rows, (row) => row.orderId);
    },
    { maxBatchSize: 1000 },
  );

  const userOrders = new DataLoader<UserOrdersKey, Order[], string>(
    async (keys) => {
      const orders = await newestOrdersPerUser(db, keys);
      // Later Order fields (and references to the same orders) then need no query of their own.
      for (const list of orders) for (const row of list) order.prime(row.id, row);
      return orders;
    },
    { cacheKeyFn: ({ userId, status, first }) => `${userId}|${status ?? ''}|${first}`, maxBatchSize: 1000 },
  );

  return { order, items, statusChange, statusHistory, userOrders };
}

export type Loaders = ReturnType<typeof createLoaders>;

/**
 * The first N orders of many users at once. Keys asking the same question (status, first) share
 * one windowed statement that returns only ids, however many users it covers; then one query
 * fetches the rows of every group together.
 */
async function newestOrdersPerUser(db: Db, keys: readonly UserOrdersKey[]): Promise<Order[][]> {
  const groups = new Map<string, UserOrdersKey[]>();
  for (const key of keys) {
    const question = `${key.status ?? ''}|${key.first}`;
    const group = groups.get(question);
    if (group) group.push(key);
    else groups.set(question, [key]);
  }

  const idsByKey = new Map<UserOrdersKey, string[]>();
  await Promise.all(
    [...groups.values()].map(async (group) => {
      const userIds = [...new Set(group.map((key) => key.userId).filter(isId))];
      const ranked = userIds.length ? await rankedOrderIds(db, userIds, group[0]!.status, group[0]!.first) : [];
      const idsByUser = groupByKey(userIds, ranked, (row) => row.user_id);
      userIds.forEach((userId, index) => {
        const ids = idsByUser[index]!.map((row) => row.id);
        for (const key of group) if (key.userId === userId) idsByKey.set(key, ids);
      });
    }),
  );

  const ids = [...new Set([...idsByKey.values()].flat())];
  const rows = ids.length ? await db.order.findMany({ where: { id: { in: ids } } }) : [];
  const byId = new Map(rows.map((row) => [row.id, row]));
  // An order deleted between the two statements is simply left out.
  return keys.map((key) => (idsByKey.get(key) ?? []).flatMap((id) => byId.get(id) ?? []));
}

/** Ids of each user's newest `first` orders, newest first within each user. */
function rankedOrderIds(db: Db, userIds: string[], status: OrderStatus | null, first: number) {
  const statusCondition = status ? Prisma.sql`AND status = ${status}::"OrderStatus"` : Prisma.empty;
  return db.$queryRaw<{ id: string; user_id: string }[]>`
    SELECT id, user_id FROM (
      SELECT id, user_id, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY id DESC) AS position
      FROM orders
      WHERE user_id IN (${Prisma.join(userIds)}) ${statusCondition}
    ) AS ranked
    WHERE position <= ${first}
    ORDER BY user_id, id DESC`;
}
