// The one way a payment's status changes, whoever asks (payForOrder, an administrator, an order's
// cancellation): checked against the state machine, written with a guarded update together with
// the event that announces it, in the caller's transaction. Callers hold the order's lock
// (withOrderLock), so the payment they read is the payment they change.
import type { GraphQLError } from 'graphql';
import type { Payment, PaymentStatus, Prisma } from '../../prisma/payment/generated/client';
import { conflict, serviceUnavailable } from '../../shared/errors';
import { enqueueEvent } from '../../shared/events/outbox';
import type { Logger } from '../../shared/logger';
import type { Db } from './db';
import type { PaymentProcessor } from './processor';
import { canTransition } from './status';
import { lockKey } from '../../shared/db/locks';

/** An interactive transaction of the payment database. */
export type Tx = Prisma.TransactionClient;

/**
 * Runs `work` in one transaction holding the order's advisory lock. Everything that changes an
 * order's payments or its tombstone takes it first, so a cancellation, a payment attempt and an
 * administrator's change of one order run one after the other, each seeing the others' result.
 */
export function withOrderLock<T>(db: Db, orderId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.$transaction(async (tx) => {
    await lockKey(tx, orderId);
    return work(tx);
  });
}

/** Whether the order's cancellation has been handled here (its tombstone exists). */
export async function isOrderCancelled(tx: Tx, orderId: string): Promise<boolean> {
  return (await tx.cancelledOrder.findUnique({ where: { orderId }, select: { orderId: true } })) !== null;
}

/** The error for a processor that could not be asked; the request is safe to repeat. */
export function processorUnavailable(logger: Logger, error: unknown): Error {
  logger.warn({ err: error }, 'payment processor call failed');
  return processorUnavailableError();
}

function processorUnavailableError(): GraphQLError {
  return serviceUnavailable('payment-processor', 'it did not answer; retry the request, with the same idempotencyKey.');
}

/** The processor's idempotency key of a payment's refund: however often it is asked, it pays back once. */
export function refundKey(paymentId: string): string {
  return `refund-${paymentId}`;
}

export interface StatusChange {
  /** The processor's charge, stored with a capture. */
  reference?: string;
  /** Why, stored with a failure. */
  reason?: string;
  /** False for a step whose event another step of the same transaction replaces. */
  announce?: boolean;
}

export type PaymentChange =
  | { outcome: 'changed'; payment: Payment }
  /** The state machine does not allow this move. */
  | { outcome: 'not-allowed'; from: PaymentStatus; to: PaymentStatus }
  /** Someone changed it without the lock, to `now`: nothing was changed. */
  | { outcome: 'changed-meanwhile'; now: PaymentStatus; to: PaymentStatus }
  /** The processor did not answer a refund: nothing was written, and repeating it is safe (refundKey). */
  | { outcome: 'processor-unavailable' };

export type PaymentRefusal = Exclude<PaymentChange, { outcome: 'changed' }>;

/** Why a change was refused, in a client's words. */
export function describePaymentRefusal(refusal: PaymentRefusal): string {
  switch (refusal.outcome) {
    case 'not-allowed':
      return `A payment in status ${refusal.from} cannot become ${refusal.to}.`;
    case 'changed-meanwhile':
      return `The payment became ${refusal.now} while this request was changing it; nothing was changed.`;
    case 'processor-unavailable':
      return processorUnavailableError().message;
  }
}

/**
 * The payment a change left, or its refusal as the GraphQL error a client sees (CONFLICT with
 * `from` and `to`, or SERVICE_UNAVAILABLE), for the mutations; event handlers read the outcome.
 */
export function requireChanged(change: PaymentChange): Payment {
  if (change.outcome === 'changed') return change.payment;
  if (change.outcome === 'processor-unavailable') throw processorUnavailableError();
  const from = change.outcome === 'not-allowed' ? change.from : change.now;
  throw conflict(describePaymentRefusal(change), { from, to: change.to });
}

/**
 * Moves `payment` (as read under the order's lock) to `to` and enqueues the matching event:
 * CAPTURED -> PaymentCaptured, FAILED -> PaymentFailed, REFUNDED -> PaymentRefunded. A refund of
 * a charge the processor made goes through the processor first; should the transaction then
 * fail, repeating it refunds nothing twice (refundKey). Refused, writing nothing, when the state
 * machine does not allow the move, the payment changed meanwhile or the processor did not answer.
 */
export async function changePaymentStatus(
  tx: Tx,
  { processor, logger }: { processor: PaymentProcessor; logger: Logger },
  payment: Payment,
  to: PaymentStatus,
  { reference, reason, announce = true }: StatusChange = {},
): Promise<PaymentChange> {
  const from = payment.status;
  if (!canTransition(from, to)) return { outcome: 'not-allowed', from, to };

  if (to === 'REFUNDED' && payment.processorReference) {
    const { processorReference, amount, currency } = payment;
    try {
      await processor.refund({ reference: processorReference, amount, currency, idempotencyKey: refundKey(payment.id) });
    } catch (error) {
      logger.warn({ err: error }, 'payment processor call failed');
      return { outcome: 'processor-unavailable' };
    }
  }

  // Guarded by the status read: a change made without the lock is never overwritten.
  const [updated] = await tx.payment.updateManyAndReturn({
    where: { id: payment.id, status: from },
    data: {
      status: to,
      ...(reference !== undefined && { processorReference: reference }),
      ...(to === 'FAILED' && { failureReason: reason ?? null }),
    },
  });
  if (!updated) {
    const { status: now } = await tx.payment.findUniqueOrThrow({ where: { id: payment.id }, select: { status: true } });
    return { outcome: 'changed-meanwhile', now, to };
  }
  if (announce) await announceStatus(tx, updated);
  return { outcome: 'changed', payment: updated };
}

async function announceStatus(tx: Tx, payment: Payment): Promise<void> {
  const { id: paymentId, orderId, amount, currency } = payment;
  switch (payment.status) {
    case 'CAPTURED':
      await enqueueEvent(tx, 'PaymentCaptured', { paymentId, orderId, amount, currency });
      return;
    case 'FAILED':
      await enqueueEvent(tx, 'PaymentFailed', { paymentId, orderId, reason: payment.failureReason ?? 'payment failed' });
      return;
    case 'REFUNDED':
      await enqueueEvent(tx, 'PaymentRefunded', { paymentId, orderId, amount, currency });
      return;
    case 'PENDING':
    case 'AUTHORIZED':
      // No service acts on these: the money has not moved yet.
      return;
  }
}
