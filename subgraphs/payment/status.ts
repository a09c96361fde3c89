// The payment lifecycle, in one place. Every status change goes through `canTransition`.
import type { PaymentStatus } from '../../prisma/payment/generated/enums';

/** The statuses each status may move to. FAILED and REFUNDED are final. */
export const PAYMENT_TRANSITIONS: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  PENDING: ['AUTHORIZED', 'CAPTURED', 'FAILED'],
  AUTHORIZED: ['CAPTURED', 'FAILED'],
  CAPTURED: ['REFUNDED'],
  FAILED: [],
  REFUNDED: [],
};

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return PAYMENT_TRANSITIONS[from].includes(to);
}

/** Statuses that still claim the order's money: an order has at most one payment in them. */
export const ACTIVE_PAYMENT_STATUSES: readonly PaymentStatus[] = ['PENDING', 'AUTHORIZED', 'CAPTURED'];
