// Placing an order, the use case behind placeOrder: ask the catalog, price the order by the rules
// of placement.ts, then write the order, its items, its first status change and both events in
// one transaction, or nothing.
import type { Order, OrderItem, OrderStatusChange } from '../../prisma/order/generated/client';
import type { Viewer } from '../../shared/auth/identity';
import { enqueueEvent } from '../../shared/events/outbox';
import type { Catalog } from './catalog';
import type { Db } from './db';
import { priceOrder, type RequestedItem } from './placement';
import { INITIAL_STATUS } from './status';
import { changeStatus, describeRefusal } from './transitions';

export interface PlacingDeps {
  db: Db;
  catalog: Catalog;
}

export interface OrderRequest {
  /** Who the order is for, already allowed to `viewer` (access.ts). */
  buyer: string;
  /** Who asks: the user service answers whether the buyer exists as far as they may know. */
  viewer: Viewer;
  /** Validated, each product once (placement.ts). */
  items: RequestedItem[];
}

export type PlaceOrderOutcome =
  { outcome: 'placed'; order: Order; items: OrderItem[]; change: OrderStatusChange } | { outcome: 'unknown-buyer' };

/**
 * Places the order. The catalog's refusals (a product it does not have, mixed currencies, a total
 * too large) are client errors of the request, thrown by priceOrder before anything is written.
 */
export async function placeOrder(
  { db, catalog }: PlacingDeps,
  { buyer, viewer, items }: OrderRequest,
): Promise<PlaceOrderOutcome> {
  // Both questions at once: neither depends on the other, and both must be answered before writing.
  const [userExists, products] = await Promise.all([
    catalog.userExists(buyer, viewer),
    catalog.products(items.map((item) => item.productId)),
  ]);
  if (!userExists) return { outcome: 'unknown-buyer' };
  const priced = priceOrder(items, products);

  return db.$transaction(async (tx) => {
    const { items: rows, ...placed } = await tx.order.create({
      data: {
        userId: buyer,
        status: INITIAL_STATUS,
        currency: priced.currency,
        totalAmount: priced.totalAmount,
        items: { create: priced.items },
      },
      include: { items: { orderBy: { id: 'asc' } } },
    });
    await enqueueEvent(tx, 'OrderCreated', {
      orderId: placed.id,
      userId: placed.userId,
      items: rows.map(({ productId, quantity }) => ({ productId, quantity })),
    });
    // Status null: the order has no recorded status until this first change (version 1).
    const first = await changeStatus(tx, { ...placed, status: null }, INITIAL_STATUS, { trigger: 'placement' });
    // A new order can always become PENDING: anything else is a bug, and the placement rolls back.
    if (first.outcome !== 'changed') throw new Error(describeRefusal(first));
    return { outcome: 'placed', order: first.order, items: rows, change: first.change };
  });
}
