// The payment processor: the card network behind payForOrder, outside our system. Only the fake
// below exists; a real processor is a second implementation of the same interface, chosen by
// PAYMENT_PROCESSOR.
import { createHash } from 'node:crypto';
import type { PaymentMethod } from '../../prisma/payment/generated/enums';

export interface ChargeRequest {
  /** Minor units. */
  amount: number;
  currency: string;
  method: PaymentMethod;
  /** What the client's payment form obtained from the processor; never stored by us. */
  token: string | null;
  /** The same key always names the same charge: a repeated request is answered, not charged again. */
  idempotencyKey: string;
}

export type ChargeResult = { status: 'captured'; reference: string } | { status: 'declined'; reason: string };

export interface RefundRequest {
  /** The reference of the captured charge. */
  reference: string;
  amount: number;
  currency: string;
  /** As for charges: a repeated refund with the same key pays back once. */
  idempotencyKey: string;
}

export interface PaymentProcessor {
  /** Declines are results; a throw means the processor could not be asked (retry with the same key). */
  charge(request: ChargeRequest): Promise<ChargeResult>;
  refund(request: RefundRequest): Promise<void>;
}

export const PAYMENT_PROCESSORS = ['fake'] as const;
export type PaymentProcessorKind = (typeof PAYMENT_PROCESSORS)[number];

/** The processor did not answer; whether it acted is unknown until the request is repeated with its key. */
export class PaymentProcessorUnavailableError extends Error {
  override name = 'PaymentProcessorUnavailableError';
}

/** Token prefixes the fake declines, with the reason it gives, like the test cards of real processors. */
const DECLINING_TOKENS: readonly [prefix: string, reason: string][] = [
  ['tok_decline', 'card_declined'],
  ['tok_insufficient', 'insufficient_funds'],
];

export interface FakeCharge {
  idempotencyKey: string;
  reference: string;
  amount: number;
  currency: string;
}

/**
 * Stands in for an external card processor, in memory: deterministic, and idempotent by key the
 * way real processors are. Tests inspect what it did (charges, refunds, requests) and make it
 * fail on purpose (`failNext`).
 */
export class FakePaymentProcessor implements PaymentProcessor {
  /** Every charge that took money, in order. */
  readonly charges: FakeCharge[] = [];
  private readonly results = new Map<string, Promise<ChargeResult>>();
  private readonly chargeRequests = new Map<string, number>();
  private readonly refundsByKey = new Map<string, string>();
  private readonly refundsByReference = new Map<string, number>();
  private failures: { remaining: number; afterActing: boolean } = { remaining: 0, afterActing: false };

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const failure = this.takeFailure();
    if (failure === 'before') throw new PaymentProcessorUnavailableError('fake processor: unavailable');
    const { idempotencyKey: key } = request;
    this.chargeRequests.set(key, (this.chargeRequests.get(key) ?? 0) + 1);
    // Stored before the first await: concurrent requests with one key share one outcome.
    let result = this.results.get(key);
    if (!result) {
      result = Promise.resolve(this.decide(request));
      this.results.set(key, result);
    }
    const outcome = await result;
    if (failure === 'after') throw new PaymentProcessorUnavailableError('fake processor: no answer after charging');
    return outcome;
  }

  async refund(request: RefundRequest): Promise<void> {
    const failure = this.takeFailure();
    if (failure === 'before') throw new PaymentProcessorUnavailableError('fake processor: unavailable');
    if (!this.refundsByKey.has(request.idempotencyKey)) {
      this.refundsByKey.set(request.idempotencyKey, request.reference);
      this.refundsByReference.set(request.reference, (this.refundsByReference.get(request.reference) ?? 0) + 1);
    }
    if (failure === 'after') throw new PaymentProcessorUnavailableError('fake processor: no answer after refunding');
  }

  /** How many times money was taken for `idempotencyKey`. */
  chargeCount(idempotencyKey: string): number {
    return this.charges.filter((charge) => charge.idempotencyKey === idempotencyKey).length;
  }

  /** How many charge requests with `idempotencyKey` reached the processor, repeats included. */
  chargeRequestCount(idempotencyKey: string): number {
    return this.chargeRequests.get(idempotencyKey) ?? 0;
  }

  /** How many times the charge `reference` was paid back. */
  refundCount(reference: string): number {
    return this.refundsByReference.get(reference) ?? 0;
  }

  /**
   * Makes the next `count` requests throw PaymentProcessorUnavailableError: before acting, or
   * with `afterActing` after having charged or refunded (the answer lost on the way back).
   */
  failNext(count = 1, { afterActing = false } = {}): void {
    this.failures = { remaining: count, afterActing };
  }

  private takeFailure(): 'before' | 'after' | null {
    if (this.failures.remaining === 0) return null;
    this.failures.remaining -= 1;
    return this.failures.afterActing ? 'after' : 'before';
  }

  private decide({ amount, currency, token, idempotencyKey }: ChargeRequest): ChargeResult {
    const declined = DECLINING_TOKENS.find(([prefix]) => token?.startsWith(prefix));
    if (declined) return { status: 'declined', reason: declined[1] };
    const reference = `ch_fake_${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}`;
    this.charges.push({ idempotencyKey, reference, amount, currency });
    return { status: 'captured', reference };
  }
}

export function createPaymentProcessor(kind: PaymentProcessorKind): PaymentProcessor {
  switch (kind) {
    case 'fake':
      return new FakePaymentProcessor();
  }
}
