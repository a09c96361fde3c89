// The order lifecycle as one table: every status change in the service is checked against it, so
// the allowed transitions, and who may make each one, are written down exactly once.
import type { OrderStatus } from '../../prisma/order/generated/client';

/**
 * Who may make a transition: `placeOrder` (into the first status); the lifecycle itself, reacting
 * to another service's event (stock reserved, payment captured, ...); `cancelOrder`; or an
 * administrator through `updateOrderStatus`.
 */
export type TransitionTrigger = 'placement' | 'event' | 'cancellation' | 'admin';

/** Every order starts here, when it is placed. */
export const INITIAL_STATUS = 'PENDING' satisfies OrderStatus;

/** For each status, the statuses an order may move to next and who may move it. Final statuses have none. */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, Readonly<Partial<Record<OrderStatus, TransitionTrigger>>>>> = {
  PENDING: { CONFIRMED: 'event', FAILED: 'event', CANCELLED: 'cancellation' },
  CONFIRMED: { PAID: 'event', PAYMENT_FAILED: 'event', CANCELLED: 'cancellation' },
  PAYMENT_FAILED: { PAID: 'event', CANCELLED: 'cancellation' },
  PAID: { SHIPPED: 'admin', CANCELLED: 'cancellation' },
  SHIPPED: { DELIVERED: 'admin' },
  DELIVERED: {},
  FAILED: {},
  CANCELLED: {},
};

/** Whether `trigger` may move an order from `from` to `to`; `from` is null for an order being placed. */
export function canTransition(from: OrderStatus | null, to: OrderStatus, trigger: TransitionTrigger): boolean {
  if (from === null) return to === INITIAL_STATUS && trigger === 'placement';
  return ORDER_TRANSITIONS[from][to] === trigger;
}

export function nextStatuses(from: OrderStatus): OrderStatus[] {
  return Object.keys(ORDER_TRANSITIONS[from]) as OrderStatus[];
}

export function isFinal(status: OrderStatus): boolean {
  return nextStatuses(status).length === 0;
}

/**
 * Who sets `status`, whatever the status before it: each status is reached by one kind of
 * trigger only. Lets a mutation asked for a status it may never set say so as bad input, before
 * looking at any order.
 */
export function triggerInto(status: OrderStatus): TransitionTrigger {
  if (status === INITIAL_STATUS) return 'placement';
  for (const targets of Object.values(ORDER_TRANSITIONS)) {
    const trigger = targets[status];
    if (trigger) return trigger;
  }
  throw new Error(`No transition leads to ${status}`);
}
