// The one way an order's status changes, whoever asks (placeOrder, cancelOrder, an administrator,
// another service's event): checked against the state machine, written together with its history
// row and its OrderStatusChanged event in the caller's transaction, so a change, its record and
// its announcement exist all together or not at all.
import type { Order, OrderStatus, OrderStatusChange, Prisma } from '../../prisma/order/generated/client';
import { enqueueEvent } from '../../shared/events/outbox';
import type { Db } from './db';
import { canTransition, isFinal, nextStatuses, type TransitionTrigger } from './status';
import { lockKey } from '../../shared/db/locks';

/** An interactive transaction of the order database. */
export type Tx = Prisma.TransactionClient;

/** What a status change needs to know of its order; `status` is null for an order being placed. */
export type OrderState = Pick<Order, 'id' | 'userId' | 'version'> & { status: OrderStatus | null };

export type TransitionOutcome =
  | { outcome: 'changed'; order: Order; change: OrderStatusChange }
  /** The state machine does not let this trigger make this transition. */
  | { outcome: 'not-allowed'; from: OrderStatus | null; to: OrderStatus }
  /** Another change came first: the order's version is no longer the one read. */
  | { outcome: 'changed-meanwhile'; from: OrderStatus | null; to: OrderStatus };

export type TransitionRefusal = Exclude<TransitionOutcome, { outcome: 'changed' }>;

/** Why a change was refused, in a client's words (the resolvers' CONFLICT, an event's error). */
export function describeRefusal({ outcome, from, to }: TransitionRefusal): string {
  if (outcome === 'changed-meanwhile')
    return `The order changed while this request tried to make it ${to}; read it again before retrying.`;
  if (from === null) return `An order is placed as PENDING, never as ${to}`;
  return isFinal(from)
    ? `The order is ${from}, which is final; it cannot become ${to}.`
    : `An order cannot go from ${from} to ${to}; from ${from} it can become ${nextStatuses(from).join(', ')}.`;
}

/**
 * Moves `order` to `to` in `tx`: a guarded update (the status and version read before, so a
 * change made in between is never overwritten), a history row and OrderStatusChanged. Refused,
 * writing nothing, when `trigger` may not make this transition or the order changed meanwhile.
 */
export async function changeStatus(
  tx: Tx,
  order: OrderState,
  to: OrderStatus,
  { trigger, reason = null }: { trigger: TransitionTrigger; reason?: string | null },
): Promise<TransitionOutcome> {
  const from = order.status;
  if (!canTransition(from, to, trigger)) return { outcome: 'not-allowed', from, to };

  // One instant for the order's updatedAt, the history row and the event.
  const at = new Date();
  const version = order.version + 1;
  const [updated] = await tx.order.updateManyAndReturn({
    where: { id: order.id, version: order.version, ...(from && { status: from }) },
    data: { status: to, version, updatedAt: at },
  });
  if (!updated) return { outcome: 'changed-meanwhile', from, to };

  const change = await tx.orderStatusChange.create({
    data: { orderId: order.id, fromStatus: from, toStatus: to, reason, version, createdAt: at },
  });
  await enqueueEvent(tx, 'OrderStatusChanged', {
    orderId: order.id,
    userId: order.userId,
    changeId: change.id,
    from,
    to,
    at: at.toISOString(),
    reason,
    version,
  });
  return { outcome: 'changed', order: updated, change };
}

/**
 * Runs `work` in one transaction that holds the order's advisory lock, with the order as it is
 * once the lock is held (null when there is none). Every status change takes this lock first, so
 * two changes of one order (a cancellation racing an event, an event delivered twice at once)
 * run one after the other, the second seeing the first's result.
 */
export function withLockedOrder<T>(db: Db, orderId: string, work: (tx: Tx, order: Order | null) => Promise<T>): Promise<T> {
  return db.$transaction(async (tx) => {
    await lockKey(tx, orderId);
    return work(tx, await tx.order.findUnique({ where: { id: orderId } }));
  });
}
