// Compensation for a cancelled order: its captured money goes back, its payments still waiting
// are abandoned, and a tombstone stops later attempts. The cancellation may arrive before the
// payment it should undo (another stream, another consumer): the tombstone makes a charge that
// completes afterwards refund itself (see attempts.ts).
import { claimEvent } from '../../shared/events/outbox';
import type { Logger } from '../../shared/logger';
import type { Db } from './db';
import type { PaymentProcessor } from './processor';
import { changePaymentStatus, describePaymentRefusal, withOrderLock, type PaymentChange } from './settlement';
import { ACTIVE_PAYMENT_STATUSES } from './status';

/** This service's name in the inbox of handled events. */
const CONSUMER = 'payment';

export const CANCELLATION_REASON = 'order cancelled';

export interface CancellationDeps {
  db: Db;
  processor: PaymentProcessor;
  logger: Logger;
}

/**
 * Handles one cancellation, once however often it is delivered: in one transaction with the
 * event's claim, under the order's lock. A processor that does not answer a refund rolls it all
 * back, and the event is retried.
 */
export async function settleCancelledOrder(
  { db, processor, logger }: CancellationDeps,
  eventId: string,
  orderId: string,
): Promise<void> {
  await withOrderLock(db, orderId, async (tx) => {
    if (!(await claimEvent(tx, CONSUMER, eventId))) return;
    await tx.cancelledOrder.createMany({ data: [{ orderId }], skipDuplicates: true });
    const payments = await tx.payment.findMany({
      where: { orderId, status: { in: [...ACTIVE_PAYMENT_STATUSES] } },
      orderBy: { id: 'asc' },
    });
    for (const payment of payments) {
      if (payment.status === 'CAPTURED') {
        if (payment.processorReference) settled(await changePaymentStatus(tx, { processor, logger }, payment, 'REFUNDED'));
        // Confirmed by an administrator (a bank transfer): the processor never had this money.
        else
          logger.warn(
            { paymentId: payment.id, orderId },
            'cancelled order has a payment captured outside the processor; refund it by hand',
          );
      } else if (payment.idempotencyKey === null) {
        settled(await changePaymentStatus(tx, { processor, logger }, payment, 'FAILED', { reason: CANCELLATION_REASON }));
      }
      // A PENDING payment with a key is payForOrder's: its charge may be in flight, and the
      // attempt (or its retry with the key) settles it against the tombstone.
    }
  });
}

/**
 * A refused change (the processor did not answer a refund, a payment changed without the lock)
 * thrown as a plain error: the transaction and the event's claim roll back, and the event is retried.
 */
function settled(change: PaymentChange): void {
  if (change.outcome !== 'changed') throw new Error(describePaymentRefusal(change));
}
