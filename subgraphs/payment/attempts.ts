// Paying for an order: createPayment opens a payment that an administrator settles (a bank
// transfer); payForOrder opens one and has the processor settle it at once. payForOrder is
// idempotent by the client's key: a retry finds the payment the key made, and resumes it if an
// earlier attempt was interrupted, so one key never makes a second payment or a second charge.
import type { Payment, PaymentMethod } from '../../prisma/payment/generated/client';
import { isUniqueViolation } from '../../shared/db/errors';
import { badUserInput, conflict, notFound } from '../../shared/errors';
import { requireId, requireText } from '../../shared/validation';
import type { Viewer } from '../../shared/auth/identity';
import type { Logger } from '../../shared/logger';
import type { Db } from './db';
import type { MutationPayForOrderArgs } from './generated/graphql';
import { requirePayable, type OrderLookup } from './orders';
import type { ChargeResult, PaymentProcessor } from './processor';
import { changePaymentStatus, isOrderCancelled, processorUnavailable, requireChanged, withOrderLock } from './settlement';
import { ACTIVE_PAYMENT_STATUSES } from './status';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{8,100}$/;

/** The processor charges these at once; a bank transfer waits for the money (createPayment). */
const CHARGEABLE_METHODS: readonly PaymentMethod[] = ['CARD', 'PAYPAL'];

/** What a payment attempt uses: the process's clients, and who is paying. */
export interface AttemptDeps {
  db: Db;
  orders: OrderLookup;
  processor: PaymentProcessor;
  logger: Logger;
  viewer: Viewer;
}

function requireIdempotencyKey(value: string): string {
  if (!IDEMPOTENCY_KEY.test(value)) {
    throw badUserInput('idempotencyKey must be 8 to 100 characters of letters, digits, "_" and "-".', 'idempotencyKey');
  }
  return value;
}

function requireChargeable(method: PaymentMethod): PaymentMethod {
  if (!CHARGEABLE_METHODS.includes(method)) {
    throw badUserInput(`${method} cannot be charged at once; use createPayment, which waits for the money.`, 'method');
  }
  return method;
}

/**
 * Asks the order subgraph, as the caller, for the order's total, status and owner (no connection
 * or lock is held while it answers): an order the caller may not see is NOT_FOUND, so customers
 * pay only their own orders. Then inserts a PENDING payment for it, owned by the order's user.
 * Under the order's lock: a payment this `idempotencyKey` made meanwhile is returned instead; a
 * cancelled order, or one with an active payment, is a CONFLICT.
 */
export async function openPayment(
  { db, orders, viewer }: Pick<AttemptDeps, 'db' | 'orders' | 'viewer'>,
  orderId: string,
  method: PaymentMethod,
  idempotencyKey: string | null = null,
): Promise<Payment> {
  const order = await orders.find(orderId, viewer);
  if (!order) throw notFound('Order', orderId);
  try {
    requirePayable({ ...order, id: orderId });
  } catch (error) {
    // A concurrent request with the same key may have paid the order while we asked: its payment
    // is this request's answer too, not a conflict.
    const earlier = idempotencyKey ? await db.payment.findUnique({ where: { idempotencyKey } }) : null;
    if (earlier) return earlier;
    throw error;
  }

  return withOrderLock(db, orderId, async (tx) => {
    if (idempotencyKey) {
      const earlier = await tx.payment.findUnique({ where: { idempotencyKey } });
      if (earlier) return earlier;
    }
    // The order subgraph may not have heard of the cancellation yet; this service has.
    if (await isOrderCancelled(tx, orderId)) {
      throw conflict(`Order ${JSON.stringify(orderId)} was cancelled; it cannot be paid.`, { orderStatus: 'CANCELLED' });
    }
    const active = await tx.payment.findFirst({
      where: { orderId, status: { in: [...ACTIVE_PAYMENT_STATUSES] } },
      select: { id: true, status: true },
    });
    if (active) {
      throw conflict(`Order ${JSON.stringify(orderId)} already has a ${active.status} payment.`, {
        paymentId: active.id,
        paymentStatus: active.status,
      });
    }
    return tx.payment.create({
      data: {
        orderId,
        userId: order.user?.id ?? null,
        amount: order.total.amount,
        currency: order.total.currency,
        method,
        idempotencyKey,
      },
    });
  });
}

/** The key's payment, opened now unless it exists; a concurrent request for another order may win the key. */
async function findOrOpen(deps: AttemptDeps, orderId: string, method: PaymentMethod, idempotencyKey: string): Promise<Payment> {
  const existing = await deps.db.payment.findUnique({ where: { idempotencyKey } });
  if (existing) return existing;
  try {
    return await openPayment(deps, orderId, method, idempotencyKey);
  } catch (error) {
    if (!isUniqueViolation(error, 'payments_idempotency_key_key')) throw error;
    return deps.db.payment.findUniqueOrThrow({ where: { idempotencyKey } });
  }
}

/** Charges outside any transaction: nothing is held while the processor answers. */
async function charge({ processor, logger }: AttemptDeps, payment: Payment, idempotencyKey: string, token: string | null) {
  const { amount, currency, method } = payment;
  try {
    return await processor.charge({ amount, currency, method, token, idempotencyKey });
  } catch (error) {
    // The payment stays PENDING: a retry with the same key resumes it and learns what happened.
    throw processorUnavailable(logger, error);
  }
}

/**
 * Records the processor's answer. Another attempt with the same key may have recorded it first
 * (the processor answers every attempt alike): then its result stands. If the order was cancelled
 * while charging, a capture is paid back at once and only the refund is announced.
 */
function settle(deps: AttemptDeps, payment: Payment, result: ChargeResult): Promise<Payment> {
  return withOrderLock(deps.db, payment.orderId, async (tx) => {
    const current = await tx.payment.findUniqueOrThrow({ where: { id: payment.id } });
    if (current.status !== 'PENDING') return current;
    if (result.status === 'declined') {
      return requireChanged(await changePaymentStatus(tx, deps, current, 'FAILED', { reason: result.reason }));
    }
    const { reference } = result;
    if (!(await isOrderCancelled(tx, current.orderId))) {
      return requireChanged(await changePaymentStatus(tx, deps, current, 'CAPTURED', { reference }));
    }
    const captured = requireChanged(await changePaymentStatus(tx, deps, current, 'CAPTURED', { reference, announce: false }));
    return requireChanged(await changePaymentStatus(tx, deps, captured, 'REFUNDED'));
  });
}

export async function payForOrder(deps: AttemptDeps, args: MutationPayForOrderArgs): Promise<Payment> {
  deps.viewer.requireSignedIn();
  const orderId = requireId(args.orderId, 'orderId');
  const idempotencyKey = requireIdempotencyKey(args.idempotencyKey);
  const method = requireChargeable(args.method);
  const token = args.paymentToken == null ? null : requireText(args.paymentToken, 'paymentToken', { max: 500 });

  const payment = await findOrOpen(deps, orderId, method, idempotencyKey);
  // A key that made another customer's payment: for that customer's order, the order reads as not
  // existing, as it does with a new key; for any other order, the key is simply taken.
  if (!deps.viewer.visible(payment) && payment.orderId === orderId) throw notFound('Order', orderId);
  if (payment.orderId !== orderId) {
    throw conflict('This idempotencyKey was already used to pay for another order; use a new key for each order.', {
      field: 'idempotencyKey',
    });
  }
  // Settled by an earlier attempt with this key: its answer, and no new charge.
  if (payment.status !== 'PENDING') return payment;
  return settle(deps, payment, await charge(deps, payment, idempotencyKey, token));
}
