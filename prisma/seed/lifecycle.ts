// What happened to each seeded order, told the way the services would have made it happen: the
// statuses it went through (a legal path of subgraphs/order/status.ts, one history row each), the
// payments made for it (shaped as payForOrder or createPayment make them), its stock reservation
// and, once cancelled, the payment subgraph's tombstone. Each step comes a plausible delay after
// the one that caused it, so every database tells the same story in the same order.
import { createHash } from 'node:crypto';
import type { Order, OrderItem, OrderStatus } from '../order/generated/client';
import type { Payment, PaymentMethod } from '../payment/generated/client';
import type { StockReservationStatus } from '../product/generated/client';
import { DAY, HOUR, MINUTE, SECOND, weighted, type Generator } from './generator';

export interface StatusStep {
  status: OrderStatus;
  at: Date;
  reason: string | null;
}

export type PaymentDraft = Pick<Payment, 'status' | 'method' | 'createdAt' | 'updatedAt'>;

export interface ReservationDraft {
  status: StockReservationStatus;
  createdAt: Date;
  updatedAt: Date;
  /** Whether the order's items were set aside (and, once RELEASED, given back). */
  holdsItems: boolean;
}

export interface OrderStory {
  /** From placement (PENDING) to the order's status now, oldest first. */
  steps: StatusStep[];
  payments: PaymentDraft[];
  /** None while the order waits for its OrderCreated to be handled (PENDING). */
  reservation: ReservationDraft | null;
  /** When the payment subgraph recorded the order's cancellation. */
  cancelledAt: Date | null;
}

const METHOD_WEIGHTS = weighted<PaymentMethod>(['CARD', 70], ['PAYPAL', 20], ['BANK_TRANSFER', 10]);

type Cancellable = 'PENDING' | 'CONFIRMED' | 'PAYMENT_FAILED' | 'PAID';
/** Where cancelled orders were when the customer cancelled them. */
const CANCELLED_FROM = weighted<Cancellable>(['PENDING', 10], ['CONFIRMED', 40], ['PAYMENT_FAILED', 10], ['PAID', 40]);

const CANCELLATION_REASONS = [
  'Changed my mind',
  'Ordered by mistake',
  'Found a better price elsewhere',
  'Delivery would take too long',
  'Ordered the wrong size',
  'Bought it in a shop instead',
  'Placed the same order twice',
];

/** The fake processor's decline (subgraphs/payment/processor.ts) for the test card the seed "used". */
const CARD_DECLINED = 'card_declined';
/** What the payment subgraph records when an administrator marks a bank transfer failed (resolvers.ts). */
const FAILED_BY_ADMIN = 'marked failed by an administrator';

/** payForOrder charges cards and PayPal through the processor; a bank transfer is createPayment's. */
function viaProcessor(method: PaymentMethod): boolean {
  return method !== 'BANK_TRANSFER';
}

function failureReason(method: PaymentMethod): string {
  return viaProcessor(method) ? CARD_DECLINED : FAILED_BY_ADMIN;
}

/** The reference the fake processor gives the charge made with `idempotencyKey` (processor.ts). */
function chargeReference(idempotencyKey: string): string {
  return `ch_fake_${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}`;
}

/**
 * The payment row for `draft`: a card or PayPal payment as payForOrder leaves it (the client's
 * idempotency key, the processor's charge reference, its decline reason); a bank transfer as
 * createPayment and an administrator leave it (no key, no reference).
 */
export function paymentRow(
  id: string,
  order: Pick<Order, 'id' | 'userId' | 'totalAmount' | 'currency'>,
  draft: PaymentDraft,
): Payment {
  const idempotencyKey = viaProcessor(draft.method) ? `seed-${id}` : null;
  const charged = draft.status === 'CAPTURED' || draft.status === 'REFUNDED';
  return {
    id,
    orderId: order.id,
    // As payForOrder and createPayment record it: the order's buyer owns its payments.
    userId: order.userId,
    amount: order.totalAmount,
    currency: order.currency,
    ...draft,
    idempotencyKey,
    processorReference: idempotencyKey && charged ? chargeReference(idempotencyKey) : null,
    failureReason: draft.status === 'FAILED' ? failureReason(draft.method) : null,
  };
}

class Story implements OrderStory {
  readonly steps: StatusStep[];
  readonly payments: PaymentDraft[] = [];
  reservation: ReservationDraft | null = null;
  cancelledAt: Date | null = null;

  constructor(
    private readonly g: Generator,
    private readonly lines: readonly OrderItem[],
    private readonly method: PaymentMethod,
    placedAt: Date,
  ) {
    this.steps = [{ status: 'PENDING', at: placedAt, reason: null }];
  }

  private get last(): StatusStep {
    const last = this.steps.at(-1);
    if (!last) throw new Error('an order story starts with its placement');
    return last;
  }

  private move(status: OrderStatus, at: Date, reason: string | null = null): void {
    this.steps.push({ status, at, reason });
  }

  /** When a service has handled an event emitted at `at`: relayed, delivered, applied. */
  private handled(at: Date): Date {
    return this.g.after(at, 20, 1_500);
  }

  /** The product subgraph reserved every line (OrderCreated), the order subgraph confirmed it. */
  reserve(): void {
    const at = this.g.after(this.last.at, 100, 8 * SECOND);
    this.reservation = { status: 'RESERVED', createdAt: at, updatedAt: at, holdsItems: true };
    this.move('CONFIRMED', this.handled(at));
  }

  /** A product was short: nothing reserved, the order FAILED with the product subgraph's reason. */
  reject(): void {
    const at = this.g.after(this.last.at, 100, 8 * SECOND);
    this.reservation = { status: 'REJECTED', createdAt: at, updatedAt: at, holdsItems: false };
    this.move('FAILED', this.handled(at), this.shortage());
  }

  /** Worded as the product subgraph words it (reservations.ts, describeShortages). */
  private shortage(): string {
    const line = this.g.faker.helpers.arrayElement(this.lines);
    const available = this.g.faker.number.int({ min: 0, max: line.quantity - 1 });
    return `Not enough stock for ${JSON.stringify(line.productName)} (${line.quantity} requested, ${available} available).`;
  }

  /** A payment attempt starts a while after the order last changed; a retry may take longer. */
  private attemptStart(): Date {
    return this.payments.length ? this.g.after(this.last.at, MINUTE, 2 * HOUR) : this.g.after(this.last.at, MINUTE, 30 * MINUTE);
  }

  /** A declined attempt: the payment FAILED, and with PaymentFailed the order PAYMENT_FAILED. */
  decline(): void {
    const start = this.attemptStart();
    const end = this.g.after(start, 2 * SECOND, 20 * SECOND);
    this.payments.push({ status: 'FAILED', method: this.method, createdAt: start, updatedAt: end });
    this.move('PAYMENT_FAILED', this.handled(end), failureReason(this.method));
  }

  /** A successful payment, sometimes after a declined first attempt; a bank transfer takes a while to arrive. */
  capture(): void {
    if (this.g.chance(0.08)) this.decline();
    const start = this.attemptStart();
    const paid = viaProcessor(this.method) ? this.g.after(start, 2 * SECOND, 30 * SECOND) : this.g.after(start, HOUR, 2 * DAY);
    this.payments.push({ status: 'CAPTURED', method: this.method, createdAt: start, updatedAt: paid });
    this.move('PAID', this.handled(paid));
  }

  /** A bank transfer opened and not arrived yet (a processor payment is never left waiting). */
  awaitTransfer(): void {
    const start = this.attemptStart();
    this.payments.push({ status: 'PENDING', method: 'BANK_TRANSFER', createdAt: start, updatedAt: start });
  }

  ship(): void {
    this.move('SHIPPED', this.g.after(this.last.at, 4 * HOUR, 3 * DAY));
  }

  deliver(): void {
    this.move('DELIVERED', this.g.after(this.last.at, DAY, 6 * DAY));
  }

  /**
   * The customer cancels; each service compensates when the cancellation reaches it. The product
   * subgraph gives the reserved stock back, or, when it had not reserved yet (its backlog held the
   * OrderCreated), leaves a RELEASED tombstone so the late event reserves nothing. The payment
   * subgraph records its tombstone and refunds a captured payment.
   */
  cancel(): void {
    const from = this.last;
    const at =
      from.status === 'PENDING'
        ? this.g.after(from.at, MINUTE, 30 * MINUTE)
        : from.status === 'PAID'
          ? this.g.after(from.at, HOUR, 5 * DAY)
          : this.g.after(from.at, 5 * MINUTE, 2 * DAY);
    this.move('CANCELLED', at, this.g.faker.helpers.arrayElement(CANCELLATION_REASONS));

    const released = this.handled(at);
    this.reservation = this.reservation
      ? { ...this.reservation, status: 'RELEASED', updatedAt: released }
      : { status: 'RELEASED', createdAt: released, updatedAt: released, holdsItems: false };

    this.cancelledAt = this.handled(at);
    const captured = this.payments.find((payment) => payment.status === 'CAPTURED');
    if (captured) {
      captured.status = 'REFUNDED';
      captured.updatedAt = this.cancelledAt;
    }
  }
}

/** How `order` came to be in its status, given the lines it was placed with. */
export function tellStory(g: Generator, order: Order, lines: readonly OrderItem[]): OrderStory {
  const story = new Story(g, lines, g.pick(METHOD_WEIGHTS), order.createdAt);
  const target = order.status;
  if (target === 'PENDING') return story;
  if (target === 'FAILED') {
    story.reject();
    return story;
  }
  // The furthest the order got before its final status; for all but cancelled orders, that status.
  const reached: OrderStatus = target === 'CANCELLED' ? g.pick(CANCELLED_FROM) : target;
  if (reached !== 'PENDING') story.reserve();
  if (reached === 'CONFIRMED' && target === 'CONFIRMED' && g.chance(0.3)) story.awaitTransfer();
  if (reached === 'PAYMENT_FAILED') story.decline();
  if (reached === 'PAID' || reached === 'SHIPPED' || reached === 'DELIVERED') story.capture();
  if (reached === 'SHIPPED' || reached === 'DELIVERED') story.ship();
  if (reached === 'DELIVERED') story.deliver();
  if (target === 'CANCELLED') story.cancel();
  return story;
}
