// Stock reservations for orders: all or nothing, never below zero, at most once per order. Each
// operation is one transaction that also records the event it handles (claimEvent) and writes
// the events it causes (enqueueEvent), so an event delivered twice, or to two instances at once,
// takes effect exactly once, and an event is published exactly when its effect is committed.
import type { Prisma, StockReservationStatus } from '../../prisma/product/generated/client';
import type { EventPayloads, OrderLine } from '../../shared/events/contracts';
import { claimEvent, enqueueEvent } from '../../shared/events/outbox';
import type { Db } from './db';
import { lockKey } from '../../shared/db/locks';

/** This service's name in the inbox of handled events. */
const CONSUMER = 'product';

type Tx = Prisma.TransactionClient;
type Shortage = EventPayloads['StockRejected']['shortages'][number];

interface LockedProduct {
  id: string;
  name: string;
  stock: number;
}

export type ReserveOutcome =
  | { outcome: 'duplicate' }
  /** The order already has a reservation: a redelivered OrderCreated, or the order was cancelled first. */
  | { outcome: 'settled'; status: StockReservationStatus }
  | { outcome: 'reserved'; items: OrderLine[] }
  | { outcome: 'rejected'; reason: string; shortages: Shortage[] };

export type ReleaseOutcome =
  | { outcome: 'duplicate' }
  /** Nothing was reserved yet: a tombstone now stops a late OrderCreated from reserving. */
  | { outcome: 'tombstoned' }
  | { outcome: 'settled'; status: StockReservationStatus }
  | { outcome: 'released'; items: OrderLine[] };

/**
 * Handles OrderCreated `eventId`: takes every line's quantity out of stock and emits
 * StockReserved, or, when any product is short, changes no stock and emits StockRejected.
 * `items` must name each product once.
 */
export function reserveStock(db: Db, eventId: string, orderId: string, items: readonly OrderLine[]): Promise<ReserveOutcome> {
  return db.$transaction(async (tx): Promise<ReserveOutcome> => {
    if (!(await claimEvent(tx, CONSUMER, eventId))) return { outcome: 'duplicate' };
    await lockOrder(tx, orderId);
    const existing = await tx.stockReservation.findUnique({ where: { orderId }, select: { status: true } });
    if (existing) return { outcome: 'settled', status: existing.status };

    const lines = sortByProduct(items);
    const products = await lockProducts(tx, lines);
    const shortages = findShortages(lines, products);
    if (shortages.length) {
      const reason = describeShortages(shortages, products);
      await tx.stockReservation.create({ data: { orderId, status: 'REJECTED' } });
      await enqueueEvent(tx, 'StockRejected', { orderId, reason, shortages });
      return { outcome: 'rejected', reason, shortages };
    }

    await changeStock(tx, lines, -1);
    await tx.stockReservation.create({ data: { orderId, status: 'RESERVED', items: { createMany: { data: lines } } } });
    await enqueueEvent(tx, 'StockReserved', { orderId, items: lines });
    return { outcome: 'reserved', items: lines };
  });
}

/**
 * Handles the cancellation `eventId` of an order: gives a reservation's stock back and emits
 * StockReleased. With no reservation yet, leaves a RELEASED tombstone instead, because the
 * order's OrderCreated may still be on its way (it travels apart from the cancellation).
 */
export function releaseStock(db: Db, eventId: string, orderId: string): Promise<ReleaseOutcome> {
  return db.$transaction(async (tx): Promise<ReleaseOutcome> => {
    if (!(await claimEvent(tx, CONSUMER, eventId))) return { outcome: 'duplicate' };
    await lockOrder(tx, orderId);
    const reservation = await tx.stockReservation.findUnique({
      where: { orderId },
      select: { status: true, items: { select: { productId: true, quantity: true }, orderBy: { productId: 'asc' } } },
    });
    if (!reservation) {
      await tx.stockReservation.create({ data: { orderId, status: 'RELEASED' } });
      return { outcome: 'tombstoned' };
    }
    if (reservation.status !== 'RESERVED') return { outcome: 'settled', status: reservation.status };

    const { items } = reservation;
    // Products deleted since are simply not found: their units have nowhere to go back to.
    await lockProducts(tx, items);
    await changeStock(tx, items, +1);
    await tx.stockReservation.update({ where: { orderId }, data: { status: 'RELEASED' } });
    await enqueueEvent(tx, 'StockReleased', { orderId, items });
    return { outcome: 'released', items };
  });
}

/**
 * Serialises everything done for one order (its creation and its cancellation arrive on
 * different deliveries, possibly at different instances at the same moment).
 */
async function lockOrder(tx: Tx, orderId: string): Promise<void> {
  await lockKey(tx, orderId);
}

/**
 * Row-locks the products of `lines` until commit and reads their stock as it is now. Always in id
 * order: two transactions locking overlapping products then queue instead of deadlocking.
 * Products that do not exist are missing from the result.
 */
async function lockProducts(tx: Tx, lines: readonly OrderLine[]): Promise<Map<string, LockedProduct>> {
  const ids = lines.map((line) => line.productId);
  const rows = await tx.$queryRaw<LockedProduct[]>`
    SELECT id, name, stock FROM products WHERE id = ANY(${ids}::uuid[]) ORDER BY id FOR UPDATE`;
  return new Map(rows.map((row) => [row.id, row]));
}

/** Adds (`sign` 1) or takes away (`sign` -1) every line's quantity, in one statement. */
async function changeStock(tx: Tx, lines: readonly OrderLine[], sign: 1 | -1): Promise<void> {
  const ids = lines.map((line) => line.productId);
  const deltas = lines.map((line) => sign * line.quantity);
  // Raw SQL bypasses Prisma's @updatedAt, so updated_at is set here as Prisma would.
  await tx.$executeRaw`
    UPDATE products SET stock = products.stock + change.delta, updated_at = now()
    FROM unnest(${ids}::uuid[], ${deltas}::int[]) AS change(product_id, delta)
    WHERE products.id = change.product_id`;
}

function findShortages(lines: readonly OrderLine[], products: ReadonlyMap<string, LockedProduct>): Shortage[] {
  return lines.flatMap(({ productId, quantity }) => {
    const available = products.get(productId)?.stock ?? 0;
    return quantity > available ? [{ productId, requested: quantity, available }] : [];
  });
}

/** What the customer reads as the order's failure reason: which products were short, by name. */
function describeShortages(shortages: readonly Shortage[], products: ReadonlyMap<string, LockedProduct>): string {
  const parts = shortages.map(({ productId, requested, available }) => {
    const product = products.get(productId);
    return product
      ? `${JSON.stringify(product.name)} (${requested} requested, ${available} available)`
      : `product ${productId} (${requested} requested; no longer in the catalogue)`;
  });
  return `Not enough stock for ${parts.join(', ')}.`;
}

function sortByProduct(items: readonly OrderLine[]): OrderLine[] {
  return [...items]
    .map(({ productId, quantity }) => ({ productId, quantity }))
    .sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
}
