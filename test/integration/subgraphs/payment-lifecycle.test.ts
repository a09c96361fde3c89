// The payment side of the order lifecycle: payForOrder through the (fake) processor, the events it
// publishes, and the compensation of cancelled orders, against real PostgreSQL, the event bus (Redis, or in-process without it) and the
// real user, product and order subgraphs with their workers. Orders are placed and cancelled
// through the order subgraph, and its cancellations reach this service over the "order" stream.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IDENTITY_HEADER } from '../../../shared/auth/internal-token';
import type { EventEnvelope, EventPayloads, EventType } from '../../../shared/events/contracts';
import { createTestDatabases, type TestDatabases } from '../../support/databases';
import { errorCodes, graphql, ok, type Endpoint } from '../../support/graphql';
import { startOrderSubgraphs, withoutWorkers, type OrderSubgraphs, type TestOrder } from '../../support/orders';
import { eventPublisher, watchStream, type EventPublisher, type StreamWatch } from '../../support/event-watch';
import { startTestSubgraph, type TestSubgraph } from '../../support/subgraphs';
import type { Db } from '../../../subgraphs/payment/db';
import { FakePaymentProcessor, type ChargeRequest, type ChargeResult } from '../../../subgraphs/payment/processor';
import { createPaymentSubgraph } from '../../../subgraphs/payment/server';
import { outboxEventsAbout } from '../../support/outbox';

/** The fake, able to keep a charge in flight until the test lets it finish. */
class HoldableProcessor extends FakePaymentProcessor {
  private hold: { reached: () => void; released: Promise<void> } | undefined;

  /** The next charge waits at the processor; `reached` resolves once it arrived there. */
  holdNextCharge(): { reached: Promise<void>; release: () => void } {
    let reached = () => {};
    let release = () => {};
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.hold = { reached, released };
    return { reached: reachedPromise, release };
  }

  override async charge(request: ChargeRequest): Promise<ChargeResult> {
    const hold = this.hold;
    this.hold = undefined;
    if (hold) {
      hold.reached();
      await hold.released;
    }
    return super.charge(request);
  }
}

interface HoldingProxy {
  url: string;
  /** Keeps the next `count` answers back; `held` resolves once all of them are waiting. */
  holdAnswers(count: number): { held: Promise<void>; release: () => void };
  close(): Promise<void>;
}

/**
 * An HTTP hop in front of a service that can keep the service's answers back, as a slow network
 * does: the service has answered, the caller has not heard yet. How a test makes an order change
 * between the moment the payment subgraph asks about it and the moment it acts on the answer.
 */
async function startHoldingProxy(target: string): Promise<HoldingProxy> {
  let hold: { waiting: number; held: () => void; released: Promise<void> } | undefined;
  // Every failure is answered inside: nothing is left for the server to handle.
  const server = createServer((request, response) => {
    void (async () => {
      try {
        const chunks: Buffer[] = [];
        for await (const chunk of request) chunks.push(chunk as Buffer);
        const answer = await fetch(target, {
          method: 'POST',
          // The caller's identity goes on, as through any network hop between two services.
          headers: {
            'content-type': 'application/json',
            ...(typeof request.headers[IDENTITY_HEADER] === 'string' && { [IDENTITY_HEADER]: request.headers[IDENTITY_HEADER] }),
          },
          body: Buffer.concat(chunks),
        });
        const body = Buffer.from(await answer.arrayBuffer());
        const current = hold;
        if (current) {
          current.waiting -= 1;
          if (current.waiting === 0) {
            hold = undefined;
            current.held();
          }
          await current.released;
        }
        response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(body);
      } catch {
        response.writeHead(502).end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    holdAnswers(count) {
      let held = () => {};
      let release = () => {};
      const heldPromise = new Promise<void>((resolve) => (held = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      hold = { waiting: count, held, released };
      return { held: heldPromise, release };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

let databases: TestDatabases;
let orders: OrderSubgraphs;
let subgraph: TestSubgraph<Db>;
let processor: HoldableProcessor;
let events: EventPublisher;
let paymentEvents: StreamWatch;
/** The payment subgraph as the customer who placed the orders: they pay for them. */
let buyer: Endpoint;

beforeAll(async () => {
  databases = await createTestDatabases();
  events = eventPublisher();
  paymentEvents = watchStream('payment');
  orders = await startOrderSubgraphs(databases);
  processor = new HoldableProcessor();
  subgraph = await startTestSubgraph(createPaymentSubgraph({ processor }), databases.payment, { ORDER_SUBGRAPH_URL: orders.url });
  buyer = subgraph.as(orders.buyer);
});

afterAll(async () => {
  events?.close();
  paymentEvents?.close();
  await subgraph?.close();
  await orders?.close();
  await databases?.drop();
});

/** One more instance of this file's payment subgraph, asking the order subgraph at `url`; the events stay with the first. */
function startPaymentInstance(url: string): Promise<TestSubgraph<Db>> {
  return startTestSubgraph(withoutWorkers(createPaymentSubgraph({ processor })), databases.payment, { ORDER_SUBGRAPH_URL: url });
}

/** The first event of `type` on the payment stream whose payload matches, waiting for it to be published. */
async function paymentEvent<T extends EventType>(
  type: T,
  matches: (payload: EventPayloads[T]) => boolean,
): Promise<EventEnvelope<T>> {
  const event = await paymentEvents.next((event) => event.type === type && matches(event.payload as EventPayloads[T]));
  return event as EventEnvelope<T>;
}

const PAY = /* GraphQL */ `
  mutation ($orderId: ID!, $method: PaymentMethod!, $key: String!, $token: String) {
    payForOrder(orderId: $orderId, method: $method, idempotencyKey: $key, paymentToken: $token) {
      id
      status
      method
      failureReason
      idempotencyKey
      amount {
        amount
        currency
      }
      order {
        id
      }
    }
  }
`;

const CREATE = `mutation ($orderId: ID!) { createPayment(orderId: $orderId, method: BANK_TRANSFER) { id status } }`;
const UPDATE_STATUS = `mutation ($id: ID!, $status: PaymentStatus!) { updatePaymentStatus(id: $id, status: $status) { id status } }`;

interface PayArgs {
  orderId: string;
  key: string;
  method: string;
  token: string | null;
}

function buildPayArgs(order: TestOrder, overrides: Partial<PayArgs> = {}): PayArgs {
  return { orderId: order.id, key: `key_${randomUUID()}`, method: 'CARD', token: 'tok_visa', ...overrides };
}

function pay(args: PayArgs) {
  return graphql(buyer, PAY, { ...args });
}

async function payOk(args: PayArgs) {
  return (await ok(buyer, PAY, { ...args })).payForOrder;
}

/** The events written for an order's payments, oldest first. */
const outboxEvents = (orderId: string) => outboxEventsAbout(subgraph.db, orderId);

/**
 * Resolves once every order event published so far has been handled: the consumer handles a
 * stream in order, so when a sentinel order's cancellation has failed its bank transfer, all
 * earlier events are done.
 */
async function orderEventsHandled(): Promise<void> {
  const sentinel = await orders.confirmed();
  const { createPayment } = await ok(buyer, CREATE, { orderId: sentinel.id });
  await orders.cancel(sentinel.id);
  await paymentEvent('PaymentFailed', ({ paymentId }) => paymentId === createPayment.id);
}

describe('payForOrder', () => {
  it('should capture the order total through the processor and publish PaymentCaptured', async () => {
    const order = await orders.confirmed({ price: { amount: 1_630, currency: 'USD' }, quantity: 5 });
    const args = buildPayArgs(order, { method: 'PAYPAL' });
    const payment = await payOk(args);
    expect(payment).toMatchObject({
      status: 'CAPTURED',
      method: 'PAYPAL',
      failureReason: null,
      idempotencyKey: args.key,
      amount: { amount: 8_150, currency: 'USD' },
      order: { id: order.id },
    });
    expect(processor.charges.filter((charge) => charge.idempotencyKey === args.key)).toEqual([
      expect.objectContaining({ amount: 8_150, currency: 'USD' }),
    ]);
    const event = await paymentEvent('PaymentCaptured', ({ paymentId }) => paymentId === payment.id);
    expect(event.payload).toEqual({ paymentId: payment.id, orderId: order.id, amount: 8_150, currency: 'USD' });
    const stored = await subgraph.db.payment.findUniqueOrThrow({ where: { id: payment.id } });
    expect(stored.processorReference).toMatch(/^ch_fake_/);
  });

  it.each([
    ['tok_decline_visa', 'card_declined'],
    ['tok_insufficient_funds', 'insufficient_funds'],
  ])(
    'should record a payment declined for token %s as FAILED with reason %s and publish PaymentFailed',
    async (token, reason) => {
      const order = await orders.confirmed();
      const payment = await payOk(buildPayArgs(order, { token }));
      expect(payment).toMatchObject({ status: 'FAILED', failureReason: reason });
      const event = await paymentEvent('PaymentFailed', ({ paymentId }) => paymentId === payment.id);
      expect(event.payload).toEqual({ paymentId: payment.id, orderId: order.id, reason });
    },
  );

  it('should let an order whose payment was declined be paid with a new key', async () => {
    const order = await orders.confirmed();
    const declined = await payOk(buildPayArgs(order, { token: 'tok_decline' }));
    const paid = await payOk(buildPayArgs(order));
    expect([declined.status, paid.status]).toEqual(['FAILED', 'CAPTURED']);
    expect(paid.id).not.toBe(declined.id);
  });

  it('should answer a repeated key with the same payment and charge once', async () => {
    const order = await orders.confirmed();
    const args = buildPayArgs(order);
    const first = await payOk(args);
    const again = await payOk(args);
    expect(again).toEqual(first);
    const declinedArgs = buildPayArgs(await orders.confirmed(), { token: 'tok_decline' });
    const declined = await payOk(declinedArgs);
    // The key's answer stands, whatever token comes with the repeat.
    expect(await payOk({ ...declinedArgs, token: 'tok_visa' })).toEqual(declined);
    expect(processor.chargeCount(args.key)).toBe(1);
    expect(processor.chargeRequestCount(args.key)).toBe(1);
    expect(processor.chargeRequestCount(declinedArgs.key)).toBe(1);
    expect(await subgraph.db.payment.count({ where: { orderId: order.id } })).toBe(1);
  });

  it('should make one payment and one charge from 10 concurrent calls with one key', async () => {
    const order = await orders.confirmed();
    const args = buildPayArgs(order);
    const chargesBefore = processor.charges.length;
    // All at once, so they overlap: the key's payment may not exist yet when each looks for it.
    const responses = await Promise.all(Array.from({ length: 10 }, () => pay(args)));
    expect(responses.flatMap(errorCodes)).toEqual([]);
    const payments = responses.map((response) => response.data?.payForOrder);
    expect(new Set(payments.map((payment) => payment.id)).size).toBe(1);
    expect(payments.every((payment) => payment.status === 'CAPTURED')).toBe(true);
    expect(await subgraph.db.payment.count({ where: { orderId: order.id } })).toBe(1);
    expect(processor.chargeCount(args.key)).toBe(1);
    expect(processor.charges.length - chargesBefore).toBe(1);
    expect((await outboxEvents(order.id)).map(({ type }) => type)).toEqual(['PaymentCaptured']);
  });

  it('should refuse with CONFLICT a key already used for another order, and write nothing', async () => {
    const args = buildPayArgs(await orders.confirmed());
    await payOk(args);
    const other = await orders.confirmed();
    const response = await pay({ ...args, orderId: other.id });
    expect(errorCodes(response)).toEqual(['CONFLICT']);
    expect(response.errors?.[0]?.extensions?.field).toBe('idempotencyKey');
    expect(await subgraph.db.payment.count({ where: { orderId: other.id } })).toBe(0);
  });

  it('should let one of two concurrent calls with one key for two orders win, the other CONFLICT', async () => {
    const [first, second] = await Promise.all([orders.confirmed(), orders.confirmed()]);
    const key = `key_${randomUUID()}`;
    const responses = await Promise.all([first, second].map((order) => pay(buildPayArgs(order, { key }))));
    expect(responses.map((response) => errorCodes(response)[0] ?? 'OK').sort()).toEqual(['CONFLICT', 'OK']);
    expect(await subgraph.db.payment.count({ where: { idempotencyKey: key } })).toBe(1);
    expect(processor.chargeCount(key)).toBe(1);
  });

  it('should refuse with CONFLICT an order whose stock is still being reserved, and charge nothing', async () => {
    // Placed on an order subgraph whose stock nobody reserves, so it is PENDING for sure.
    const stalled = await orders.startStalled();
    const asking = await startPaymentInstance(stalled.url);
    try {
      const order = await stalled.place();
      const args = buildPayArgs(order);
      const response = await graphql(asking.as(orders.buyer), PAY, { ...args });
      expect(errorCodes(response)).toEqual(['CONFLICT']);
      expect(response.errors?.[0]?.extensions?.orderStatus).toBe('PENDING');
      expect(response.errors?.[0]?.message).toMatch(/retry shortly/);
      expect(processor.chargeRequestCount(args.key)).toBe(0);
      expect(await subgraph.db.payment.count({ where: { orderId: order.id } })).toBe(0);
    } finally {
      await asking.close();
      await stalled.close();
    }
  });

  it('should refuse with CONFLICT an order that already has an active payment', async () => {
    const order = await orders.confirmed();
    const { createPayment } = await ok(buyer, CREATE, { orderId: order.id });
    const response = await pay(buildPayArgs(order));
    expect(errorCodes(response)).toEqual(['CONFLICT']);
    expect(response.errors?.[0]?.extensions).toMatchObject({ paymentId: createPayment.id, paymentStatus: 'PENDING' });
  });

  it.each([
    [{ key: 'short' }, 'idempotencyKey'],
    [{ key: 'has spaces in it' }, 'idempotencyKey'],
    [{ key: 'k'.repeat(101) }, 'idempotencyKey'],
    [{ orderId: 'order-1' }, 'orderId'],
    [{ method: 'BANK_TRANSFER' }, 'method'],
    [{ token: '   ' }, 'paymentToken'],
  ])('should reject %j with BAD_USER_INPUT naming %s, and write nothing', async (overrides, field) => {
    const order = await orders.confirmed();
    const response = await pay(buildPayArgs(order, overrides));
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.extensions?.field).toBe(field);
    expect(await subgraph.db.payment.count({ where: { orderId: order.id } })).toBe(0);
  });

  it.each([
    ['before charging', false],
    ['after charging, its answer lost', true],
  ])(
    'should leave the payment PENDING when the processor fails %s, and complete it with one charge on retry',
    async (_, afterActing) => {
      const order = await orders.confirmed();
      const args = buildPayArgs(order);
      processor.failNext(1, { afterActing });
      const failed = await pay(args);
      expect(errorCodes(failed)).toEqual(['SERVICE_UNAVAILABLE']);
      expect(failed.errors?.[0]?.extensions?.service).toBe('payment-processor');
      const pending = await subgraph.db.payment.findUniqueOrThrow({ where: { idempotencyKey: args.key } });
      expect(pending.status).toBe('PENDING');
      expect(processor.chargeCount(args.key)).toBe(afterActing ? 1 : 0);

      const retried = await payOk(args);
      expect(retried).toMatchObject({ id: pending.id, status: 'CAPTURED' });
      expect(processor.chargeCount(args.key)).toBe(1);
      expect((await outboxEvents(order.id)).map(({ type }) => type)).toEqual(['PaymentCaptured']);
    },
  );
});

describe('updatePaymentStatus of processor payments', () => {
  it('should refund a captured payment through the processor and publish PaymentRefunded', async () => {
    const order = await orders.confirmed();
    const payment = await payOk(buildPayArgs(order));
    const { updatePaymentStatus } = await ok(subgraph.admin, UPDATE_STATUS, { id: payment.id, status: 'REFUNDED' });
    expect(updatePaymentStatus.status).toBe('REFUNDED');
    const { processorReference } = await subgraph.db.payment.findUniqueOrThrow({ where: { id: payment.id } });
    expect(processor.refundCount(processorReference ?? '')).toBe(1);
    await paymentEvent('PaymentRefunded', ({ paymentId }) => paymentId === payment.id);
  });

  it('should refuse with CONFLICT to move a payment the processor is still settling', async () => {
    const args = buildPayArgs(await orders.confirmed());
    processor.failNext(1);
    expect(errorCodes(await pay(args))).toEqual(['SERVICE_UNAVAILABLE']);
    const pending = await subgraph.db.payment.findUniqueOrThrow({ where: { idempotencyKey: args.key } });
    const response = await graphql(subgraph.admin, UPDATE_STATUS, { id: pending.id, status: 'CAPTURED' });
    expect(errorCodes(response)).toEqual(['CONFLICT']);
    expect((await subgraph.db.payment.findUniqueOrThrow({ where: { id: pending.id } })).status).toBe('PENDING');
  });
});

describe('cancelled orders', () => {
  it('should refund a captured payment once, even when the cancellation is delivered twice', async () => {
    const order = await orders.confirmed({ price: { amount: 1_999, currency: 'GBP' } });
    const payment = await payOk(buildPayArgs(order));
    await orders.cancel(order.id);
    // The very same envelope once more, as the relay's at-least-once delivery may bring it.
    const cancellation = await orders.reached(order.id, 'CANCELLED');
    await events.publish('order', cancellation);

    const refunded = await paymentEvent('PaymentRefunded', ({ paymentId }) => paymentId === payment.id);
    expect(refunded.payload).toEqual({ paymentId: payment.id, orderId: order.id, amount: 1_999, currency: 'GBP' });
    await orderEventsHandled();
    const stored = await subgraph.db.payment.findUniqueOrThrow({ where: { id: payment.id } });
    expect(stored.status).toBe('REFUNDED');
    expect(processor.refundCount(stored.processorReference ?? '')).toBe(1);
    expect((await outboxEvents(order.id)).map(({ type }) => type)).toEqual(['PaymentCaptured', 'PaymentRefunded']);
  });

  it('should fail a payment still waiting for a bank transfer with reason "order cancelled"', async () => {
    const order = await orders.confirmed();
    const { createPayment } = await ok(buyer, CREATE, { orderId: order.id });
    await orders.cancel(order.id);
    const failed = await paymentEvent('PaymentFailed', ({ paymentId }) => paymentId === createPayment.id);
    expect(failed.payload.reason).toBe('order cancelled');
    expect((await subgraph.db.payment.findUniqueOrThrow({ where: { id: createPayment.id } })).failureReason).toBe(
      'order cancelled',
    );
  });

  it('should refuse payForOrder and createPayment with CONFLICT once the cancellation was handled first', async () => {
    // Both hear the order subgraph's CONFIRMED only after the cancellation was handled here:
    // only this service's tombstone knows better.
    const order = await orders.confirmed();
    const proxy = await startHoldingProxy(orders.url);
    const late = await startPaymentInstance(proxy.url);
    try {
      const answers = proxy.holdAnswers(2);
      const args = buildPayArgs(order);
      const paying = graphql(late.as(orders.buyer), PAY, { ...args });
      const creating = graphql(late.as(orders.buyer), CREATE, { orderId: order.id });
      await answers.held;
      await orders.cancel(order.id);
      await orderEventsHandled();
      answers.release();

      const [paid, created] = await Promise.all([paying, creating]);
      expect(errorCodes(paid)).toEqual(['CONFLICT']);
      expect(paid.errors?.[0]?.extensions?.orderStatus).toBe('CANCELLED');
      expect(paid.errors?.[0]?.message).toMatch(/was cancelled/);
      expect(errorCodes(created)).toEqual(['CONFLICT']);
      expect(created.errors?.[0]?.message).toMatch(/was cancelled/);
      expect(processor.chargeRequestCount(args.key)).toBe(0);
      expect(await subgraph.db.payment.count({ where: { orderId: order.id } })).toBe(0);
    } finally {
      await late.close();
      await proxy.close();
    }
  });

  it('should refund a charge that completes after the cancellation was handled, announcing only the refund', async () => {
    const order = await orders.confirmed();
    const args = buildPayArgs(order);
    const held = processor.holdNextCharge();
    const paying = pay(args);
    await held.reached;
    await orders.cancel(order.id);
    await orderEventsHandled();
    // The cancellation left the payment to the attempt whose charge is in flight.
    expect((await subgraph.db.payment.findUniqueOrThrow({ where: { idempotencyKey: args.key } })).status).toBe('PENDING');
    held.release();

    const response = await paying;
    expect(response.errors).toBeUndefined();
    const payment = response.data?.payForOrder;
    expect(payment.status).toBe('REFUNDED');
    await paymentEvent('PaymentRefunded', ({ paymentId }) => paymentId === payment.id);
    const stored = await subgraph.db.payment.findUniqueOrThrow({ where: { id: payment.id } });
    expect(processor.chargeCount(args.key)).toBe(1);
    expect(processor.refundCount(stored.processorReference ?? '')).toBe(1);
    expect((await outboxEvents(order.id)).map(({ type }) => type)).toEqual(['PaymentRefunded']);
  });

  it('should ignore status changes other than cancellations', async () => {
    const order = await orders.confirmed();
    const payment = await payOk(buildPayArgs(order));
    // The capture makes the order PAID, an administrator ships it: two changes, no cancellation.
    await orders.reached(order.id, 'PAID');
    await orders.moveTo(order.id, 'SHIPPED');
    await orders.reached(order.id, 'SHIPPED');
    await orderEventsHandled();
    expect((await subgraph.db.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe('CAPTURED');
    expect(await subgraph.db.cancelledOrder.count({ where: { orderId: order.id } })).toBe(0);
  });
});
