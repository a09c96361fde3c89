// The payment subgraph against the real order subgraph (and the user and product subgraphs it
// needs), all with their workers: an order is placed as a client places one, confirmed by the
// product subgraph's reservation, and brought to any other status the way the lifecycle does.
import net, { type AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { createTestDatabases, type TestDatabases } from '../../support/databases';
import { errorCodes, graphql, ok, type Endpoint } from '../../support/graphql';
import { statementCount } from '../../support/metrics';
import { startOrderSubgraphs, withoutWorkers, type OrderSubgraphs, type TestOrder } from '../../support/orders';
import { startTestSubgraph, type TestSubgraph } from '../../support/subgraphs';
import { paymentSubgraph } from '../../../subgraphs/payment/server';
import { PAYMENT_TRANSITIONS, canTransition } from '../../../subgraphs/payment/status';
import type { Db } from '../../../subgraphs/payment/db';
import type { PaymentStatus } from '../../../prisma/payment/generated/enums';
import { outboxEventsAbout } from '../../support/outbox';

let databases: TestDatabases;
let orders: OrderSubgraphs;
let subgraph: TestSubgraph<Db>;
/** The payment subgraph as the customer who placed the orders: they pay for them. */
let buyer: Endpoint;

beforeAll(async () => {
  databases = await createTestDatabases();
  orders = await startOrderSubgraphs(databases);
  subgraph = await startTestSubgraph(paymentSubgraph, databases.payment, { ORDER_SUBGRAPH_URL: orders.url });
  buyer = subgraph.as(orders.buyer);
});

afterAll(async () => {
  await subgraph?.close();
  await orders?.close();
  await databases?.drop();
});

const UNKNOWN_ID = '01920000-0000-7000-8000-000000000000';

const CREATE = /* GraphQL */ `
  mutation ($orderId: ID!, $method: PaymentMethod!) {
    createPayment(orderId: $orderId, method: $method) {
      id
      status
      method
      amount {
        amount
        currency
      }
      order {
        id
      }
      createdAt
    }
  }
`;

const UPDATE_STATUS = /* GraphQL */ `
  mutation ($id: ID!, $status: PaymentStatus!) {
    updatePaymentStatus(id: $id, status: $status) {
      id
      status
      updatedAt
    }
  }
`;

const PAY_FOR_ORDER = /* GraphQL */ `
  mutation ($orderId: ID!, $key: String!, $token: String) {
    payForOrder(orderId: $orderId, method: CARD, idempotencyKey: $key, paymentToken: $token) {
      id
      status
    }
  }
`;

type ReachableStatus = 'CONFIRMED' | 'PAYMENT_FAILED' | 'PAID' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED' | 'FAILED';

/** A new order brought to `status` the way the lifecycle brings one there; resolves once it is. */
async function orderIn(status: ReachableStatus): Promise<TestOrder> {
  if (status === 'FAILED') {
    const order = await orders.place({ quantity: 2, stock: 1 });
    await orders.reached(order.id, 'FAILED');
    return order;
  }
  const order = await orders.confirmed();
  if (status === 'CANCELLED') await orders.cancel(order.id);
  if (status === 'PAYMENT_FAILED') {
    await ok(buyer, PAY_FOR_ORDER, { orderId: order.id, key: `key_${randomUUID()}`, token: 'tok_decline' });
    await orders.reached(order.id, 'PAYMENT_FAILED');
  }
  if (status === 'PAID' || status === 'SHIPPED' || status === 'DELIVERED') {
    await ok(buyer, PAY_FOR_ORDER, { orderId: order.id, key: `key_${randomUUID()}`, token: 'tok_visa' });
    await orders.reached(order.id, 'PAID');
  }
  if (status === 'SHIPPED' || status === 'DELIVERED') await orders.moveTo(order.id, 'SHIPPED');
  if (status === 'DELIVERED') await orders.moveTo(order.id, 'DELIVERED');
  return order;
}

function createPayment(orderId: string, method = 'CARD') {
  return graphql(buyer, CREATE, { orderId, method });
}

async function payOrder(order?: TestOrder): Promise<{ id: string; status: string }> {
  const { id: orderId } = order ?? (await orders.confirmed());
  return (await ok(buyer, CREATE, { orderId, method: 'CARD' })).createPayment;
}

function paymentCount(orderId: string): Promise<number> {
  return subgraph.db.payment.count({ where: { orderId } });
}

async function moveTo(id: string, status: PaymentStatus) {
  return (await ok(subgraph.admin, UPDATE_STATUS, { id, status })).updatePaymentStatus;
}

/** The events written for an order's payments, oldest first. */
const outboxEvents = (orderId: string) => outboxEventsAbout(subgraph.db, orderId);

/** A URL on which nothing listens: the port was free a moment ago and was let go. */
async function unreachableUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/graphql`;
}

describe('payment status machine', () => {
  it('should allow exactly the documented transitions', () => {
    const allowed = [
      'PENDING>AUTHORIZED',
      'PENDING>CAPTURED',
      'PENDING>FAILED',
      'AUTHORIZED>CAPTURED',
      'AUTHORIZED>FAILED',
      'CAPTURED>REFUNDED',
    ];
    const statuses = Object.keys(PAYMENT_TRANSITIONS) as PaymentStatus[];
    const actual = statuses.flatMap((from) => statuses.filter((to) => canTransition(from, to)).map((to) => `${from}>${to}`));
    expect(actual.sort()).toEqual(allowed.sort());
  });
});

describe('payment subgraph', () => {
  describe('createPayment', () => {
    it('should create a PENDING payment for the order total as the order subgraph reports it', async () => {
      const order = await orders.confirmed({ price: { amount: 4_115, currency: 'USD' }, quantity: 3 });
      const response = await createPayment(order.id, 'PAYPAL');
      expect(response.errors).toBeUndefined();
      expect(response.data?.createPayment).toMatchObject({
        status: 'PENDING',
        method: 'PAYPAL',
        amount: { amount: 12_345, currency: 'USD' },
        order: { id: order.id },
      });
      const stored = await subgraph.db.payment.findUniqueOrThrow({ where: { id: response.data?.createPayment.id } });
      // Owned by the order's buyer, as the order subgraph reports them.
      expect(stored).toMatchObject({ orderId: order.id, userId: orders.buyer.userId, amount: 12_345, currency: 'USD' });
    });

    it('should not let a client choose the amount', async () => {
      const order = await orders.confirmed();
      const response = await graphql(
        buyer,
        `
          mutation ($orderId: ID!) {
            createPayment(orderId: $orderId, method: CARD, amount: 1) {
              id
            }
          }
        `,
        { orderId: order.id },
      );
      expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(await subgraph.db.payment.count({ where: { orderId: order.id } })).toBe(0);
    });

    it('should reject a malformed orderId with BAD_USER_INPUT naming the field', async () => {
      const response = await createPayment('order-1');
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors?.[0]?.extensions?.field).toBe('orderId');
    });

    it('should answer NOT_FOUND for an order the order subgraph does not know', async () => {
      const orderId = randomUUID();
      const response = await createPayment(orderId);
      expect(errorCodes(response)).toEqual(['NOT_FOUND']);
      expect(await subgraph.db.payment.count({ where: { orderId } })).toBe(0);
    });

    it('should refuse with CONFLICT to pay an order whose stock is still being reserved, and write nothing', async () => {
      // Placed on an order subgraph whose stock nobody reserves, so it is PENDING for sure.
      const stalled = await orders.startStalled();
      const asking = await startTestSubgraph(withoutWorkers(paymentSubgraph), databases.payment, {
        ORDER_SUBGRAPH_URL: stalled.url,
      });
      try {
        const order = await stalled.place();
        const response = await graphql(asking.as(orders.buyer), CREATE, { orderId: order.id, method: 'CARD' });
        expect(errorCodes(response)).toEqual(['CONFLICT']);
        expect(response.errors?.[0]?.extensions?.orderStatus).toBe('PENDING');
        expect(response.errors?.[0]?.message).toMatch(/still being reserved, retry shortly/);
        expect(await paymentCount(order.id)).toBe(0);
      } finally {
        await asking.close();
        await stalled.close();
      }
    });

    it.each(['PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'FAILED'] as const)(
      'should refuse with CONFLICT to pay an order that is %s, and write nothing',
      async (status) => {
        const order = await orderIn(status);
        const before = await paymentCount(order.id);
        const response = await createPayment(order.id);
        expect(errorCodes(response)).toEqual(['CONFLICT']);
        expect(response.errors?.[0]?.extensions?.orderStatus).toBe(status);
        expect(await paymentCount(order.id)).toBe(before);
      },
    );

    it.each(['CONFIRMED', 'PAYMENT_FAILED'] as const)('should open a PENDING payment for an order that is %s', async (status) => {
      const payment = await payOrder(await orderIn(status));
      expect(payment.status).toBe('PENDING');
    });

    it('should refuse a second payment while one is active, and allow one after it failed', async () => {
      const order = await orders.confirmed();
      const first = await payOrder(order);
      await moveTo(first.id, 'AUTHORIZED');
      const refused = await createPayment(order.id);
      expect(errorCodes(refused)).toEqual(['CONFLICT']);
      expect(refused.errors?.[0]?.extensions).toMatchObject({ paymentId: first.id, paymentStatus: 'AUTHORIZED' });
      await moveTo(first.id, 'FAILED');
      const second = await payOrder(order);
      expect(second.id).not.toBe(first.id);
    });

    it('should let exactly one of 10 concurrent attempts pay an order', async () => {
      // All at once: each asks the order subgraph, then checks for an active payment, so only the
      // order's lock keeps them apart. A few rounds: a missing lock shows up in most rounds, not
      // reliably in any single one.
      for (let round = 0; round < 3; round += 1) {
        const order = await orders.confirmed();
        const responses = await Promise.all(Array.from({ length: 10 }, () => createPayment(order.id)));
        const codes = responses.map((response) => errorCodes(response)[0] ?? 'OK');
        expect(codes.filter((code) => code === 'OK')).toHaveLength(1);
        expect(codes.filter((code) => code === 'CONFLICT')).toHaveLength(9);
        expect(await paymentCount(order.id)).toBe(1);
      }
    });

    it('should answer SERVICE_UNAVAILABLE and write nothing when the order subgraph is unreachable', async () => {
      const isolated = await startTestSubgraph(withoutWorkers(paymentSubgraph), databases.payment, {
        ORDER_SUBGRAPH_URL: await unreachableUrl(),
      });
      try {
        const order = await orders.confirmed();
        const before = await statementCount(isolated.url);
        const response = await graphql(isolated.as(orders.buyer), CREATE, { orderId: order.id, method: 'CARD' });
        expect(errorCodes(response)).toEqual(['SERVICE_UNAVAILABLE']);
        expect(response.errors?.[0]?.extensions?.service).toBe('order');
        expect(await statementCount(isolated.url)).toBe(before);
        expect(await paymentCount(order.id)).toBe(0);
      } finally {
        await isolated.close();
      }
    });
  });

  describe('updatePaymentStatus', () => {
    it('should move a payment from PENDING through AUTHORIZED and CAPTURED to REFUNDED', async () => {
      const payment = await payOrder();
      const authorized = await moveTo(payment.id, 'AUTHORIZED');
      const captured = await moveTo(payment.id, 'CAPTURED');
      const refunded = await moveTo(payment.id, 'REFUNDED');
      expect([authorized.status, captured.status, refunded.status]).toEqual(['AUTHORIZED', 'CAPTURED', 'REFUNDED']);
      expect(new Date(refunded.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(authorized.updatedAt).getTime());
      expect((await subgraph.db.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe('REFUNDED');
    });

    it('should capture a PENDING payment directly', async () => {
      const payment = await payOrder();
      expect((await moveTo(payment.id, 'CAPTURED')).status).toBe('CAPTURED');
    });

    it('should write the event of each move into the outbox in the same transaction', async () => {
      const order = await orders.confirmed({ price: { amount: 2_500, currency: 'USD' } });
      // The failed payment first: once a payment is captured, the order is PAID and takes no other.
      const failed = await payOrder(order);
      await moveTo(failed.id, 'FAILED');
      const captured = await payOrder(order);
      await moveTo(captured.id, 'AUTHORIZED');
      await moveTo(captured.id, 'CAPTURED');
      await moveTo(captured.id, 'REFUNDED');

      const events = await outboxEvents(order.id);
      const money = { orderId: order.id, amount: 2_500, currency: 'USD' };
      expect(events).toEqual([
        {
          type: 'PaymentFailed',
          payload: { paymentId: failed.id, orderId: order.id, reason: 'marked failed by an administrator' },
        },
        { type: 'PaymentCaptured', payload: { paymentId: captured.id, ...money } },
        { type: 'PaymentRefunded', payload: { paymentId: captured.id, ...money } },
      ]);
      const { payment } = await ok(buyer, `query ($id: ID!) { payment(id: $id) { status failureReason idempotencyKey } }`, {
        id: failed.id,
      });
      expect(payment).toEqual({ status: 'FAILED', failureReason: 'marked failed by an administrator', idempotencyKey: null });
    });

    it.each([
      ['FAILED', 'CAPTURED'],
      ['CAPTURED', 'FAILED'],
      ['CAPTURED', 'PENDING'],
      ['PENDING', 'REFUNDED'],
      ['PENDING', 'PENDING'],
    ] as const)('should refuse %s -> %s with CONFLICT naming both, changing nothing', async (from, to) => {
      const payment = await payOrder();
      if (from !== 'PENDING') await moveTo(payment.id, from);
      const before = await subgraph.db.payment.findUniqueOrThrow({ where: { id: payment.id } });
      const response = await graphql(subgraph.admin, UPDATE_STATUS, { id: payment.id, status: to });
      expect(errorCodes(response)).toEqual(['CONFLICT']);
      expect(response.errors?.[0]?.extensions).toMatchObject({ from, to });
      expect(await subgraph.db.payment.findUniqueOrThrow({ where: { id: payment.id } })).toEqual(before);
      expect(await outboxEvents(before.orderId)).toHaveLength(from === 'PENDING' ? 0 : 1);
    });

    it('should let only one of two concurrent transitions from the same status win', async () => {
      const payment = await payOrder();
      const responses = await Promise.all(
        (['CAPTURED', 'FAILED'] as const).map((status) => graphql(subgraph.admin, UPDATE_STATUS, { id: payment.id, status })),
      );
      const winners = responses.filter((response) => !response.errors);
      expect(winners).toHaveLength(1);
      expect(responses.flatMap(errorCodes)).toEqual(['CONFLICT']);
      const stored = await subgraph.db.payment.findUniqueOrThrow({ where: { id: payment.id } });
      expect(stored.status).toBe(winners[0]?.data?.updatePaymentStatus.status);
      expect((await outboxEvents(stored.orderId)).map(({ type }) => type)).toEqual([
        stored.status === 'CAPTURED' ? 'PaymentCaptured' : 'PaymentFailed',
      ]);
    });

    it('should answer NOT_FOUND for an unknown payment and BAD_USER_INPUT for a malformed id', async () => {
      const unknown = await graphql(subgraph.admin, UPDATE_STATUS, { id: UNKNOWN_ID, status: 'CAPTURED' });
      expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
      const malformed = await graphql(subgraph.admin, UPDATE_STATUS, { id: 'payment-1', status: 'CAPTURED' });
      expect(errorCodes(malformed)).toEqual(['BAD_USER_INPUT']);
    });
  });

  describe('queries and entities', () => {
    const PAYMENT = `query ($id: ID!) { payment(id: $id) { id status amount { amount currency } order { id } } }`;
    const ORDERS = /* GraphQL */ `
      query ($r: [_Any!]!) {
        _entities(representations: $r) {
          ... on Order {
            id
            payment {
              id
              status
            }
            payments {
              id
            }
          }
        }
      }
    `;
    const PAYMENTS = /* GraphQL */ `
      query ($r: [_Any!]!) {
        _entities(representations: $r) {
          ... on Payment {
            id
            status
            order {
              id
              payment {
                id
              }
              payments {
                id
              }
            }
          }
        }
      }
    `;
    const representations = (typename: string, ids: string[]) => ids.map((id) => ({ __typename: typename, id }));

    it('should return a payment by id, NOT_FOUND for an unknown id and BAD_USER_INPUT for a malformed one', async () => {
      const order = await orders.confirmed({ price: { amount: 700, currency: 'GBP' } });
      const created = await payOrder(order);
      const { payment } = await ok(buyer, PAYMENT, { id: created.id });
      expect(payment).toEqual({
        id: created.id,
        status: 'PENDING',
        amount: { amount: 700, currency: 'GBP' },
        order: { id: order.id },
      });
      expect(errorCodes(await graphql(buyer, PAYMENT, { id: UNKNOWN_ID }))).toEqual(['NOT_FOUND']);
      expect(errorCodes(await graphql(buyer, PAYMENT, { id: "1' OR '1'='1" }))).toEqual(['BAD_USER_INPUT']);
    });

    it('should resolve Order.payment to the latest payment and Order.payments newest first', async () => {
      const order = await orders.confirmed();
      const first = await payOrder(order);
      await moveTo(first.id, 'FAILED');
      const second = await payOrder(order);
      const unpaid = await orders.confirmed();
      const { _entities } = await ok(buyer, ORDERS, { r: representations('Order', [order.id, unpaid.id]) });
      expect(_entities).toEqual([
        { id: order.id, payment: { id: second.id, status: 'PENDING' }, payments: [{ id: second.id }, { id: first.id }] },
        { id: unpaid.id, payment: null, payments: [] },
      ]);
    });

    it('should resolve Payment references, and unknown or malformed ones to null', async () => {
      const payment = await payOrder();
      const { _entities } = await ok(buyer, PAYMENTS, {
        r: representations('Payment', [payment.id, UNKNOWN_ID, 'not-a-uuid']),
      });
      expect(_entities).toEqual([expect.objectContaining({ id: payment.id, status: 'PENDING' }), null, null]);
    });

    it('should resolve 5 or 40 entities with nested payments in the same number of SQL statements', async () => {
      const orderIds = Array.from({ length: 40 }, () => randomUUID());
      const start = Date.now();
      // Two payments per order, a failed one and a later pending one; seeded directly, since what
      // is measured is reading them.
      await subgraph.db.payment.createMany({
        data: orderIds.flatMap((orderId, i) => [
          {
            orderId,
            amount: 100 + i,
            currency: 'EUR',
            method: 'CARD' as const,
            status: 'FAILED' as const,
            createdAt: new Date(start - 1000),
          },
          { orderId, amount: 100 + i, currency: 'EUR', method: 'CARD' as const, createdAt: new Date(start) },
        ]),
      });
      const paymentIds = (
        await subgraph.db.payment.findMany({ where: { orderId: { in: orderIds }, status: 'PENDING' }, select: { id: true } })
      ).map(({ id }) => id);

      async function statementsFor(query: string, r: unknown[]): Promise<number> {
        const before = await statementCount(subgraph.url);
        // As an administrator: these payments were written without an owner.
        const { _entities } = await ok(subgraph.admin, query, { r });
        expect(_entities).toHaveLength(r.length);
        expect(_entities.every((entity: unknown) => entity !== null)).toBe(true);
        return (await statementCount(subgraph.url)) - before;
      }

      const fewOrders = await statementsFor(ORDERS, representations('Order', orderIds.slice(0, 5)));
      const manyOrders = await statementsFor(ORDERS, representations('Order', orderIds));
      expect(fewOrders).toBe(1);
      expect(manyOrders).toBe(fewOrders);

      const fewPayments = await statementsFor(PAYMENTS, representations('Payment', paymentIds.slice(0, 5)));
      const manyPayments = await statementsFor(PAYMENTS, representations('Payment', paymentIds));
      expect(fewPayments).toBe(2);
      expect(manyPayments).toBe(fewPayments);
    });
  });

  describe('authorization', () => {
    // The buyer owns every order of this file; the stranger is another customer, with an account.
    let stranger: Endpoint;
    const PAYMENT = `query ($id: ID!) { payment(id: $id) { id status } }`;
    const PAY = /* GraphQL */ `
      mutation ($orderId: ID!, $key: String!) {
        payForOrder(orderId: $orderId, method: CARD, idempotencyKey: $key, paymentToken: "tok_visa") {
          id
          status
        }
      }
    `;
    const ENTITIES = /* GraphQL */ `
      query ($r: [_Any!]!) {
        _entities(representations: $r) {
          ... on Payment {
            id
          }
          ... on Order {
            id
            payment {
              id
            }
            payments {
              id
            }
          }
        }
      }
    `;

    beforeAll(async () => {
      stranger = subgraph.as(await orders.createCustomer());
    });

    /** The errors `target` gets for the same request about an id nobody has, with `id` in its place. */
    async function errorsForUnknown(target: Endpoint, query: string, variables: Record<string, unknown>, id: string) {
      const unknown = randomUUID();
      const response = await graphql(target, query, JSON.parse(JSON.stringify(variables).replaceAll(id, unknown)));
      return JSON.parse(JSON.stringify(response.errors).replaceAll(unknown, id));
    }

    describe('payment', () => {
      it('should show a payment to its owner and to administrators', async () => {
        const { id, status } = await payOrder();
        expect((await ok(buyer, PAYMENT, { id })).payment).toEqual({ id, status });
        expect((await ok(subgraph.admin, PAYMENT, { id })).payment).toEqual({ id, status });
      });

      it("should answer another customer's payment with NOT_FOUND, the very error of an unknown id", async () => {
        const payment = await payOrder();
        const response = await graphql(stranger, PAYMENT, { id: payment.id });
        expect(errorCodes(response)).toEqual(['NOT_FOUND']);
        expect(response.errors).toEqual(await errorsForUnknown(stranger, PAYMENT, { id: payment.id }, payment.id));
      });

      it('should refuse an anonymous caller with UNAUTHENTICATED', async () => {
        const payment = await payOrder();
        expect(errorCodes(await graphql(subgraph.url, PAYMENT, { id: payment.id }))).toEqual(['UNAUTHENTICATED']);
      });

      it('should show a payment recorded without an owner to administrators only', async () => {
        const order = await orders.confirmed();
        const legacy = await subgraph.db.payment.create({
          data: { orderId: order.id, amount: 1000, currency: 'EUR', method: 'BANK_TRANSFER' },
        });
        expect(errorCodes(await graphql(buyer, PAYMENT, { id: legacy.id }))).toEqual(['NOT_FOUND']);
        expect((await ok(subgraph.admin, PAYMENT, { id: legacy.id })).payment.id).toBe(legacy.id);
      });
    });

    describe('createPayment', () => {
      it("should answer a customer paying another's order with NOT_FOUND, as for an unknown order, writing nothing", async () => {
        const order = await orders.confirmed();
        const variables = { orderId: order.id, method: 'CARD' };
        const response = await graphql(stranger, CREATE, variables);
        expect(errorCodes(response)).toEqual(['NOT_FOUND']);
        expect(response.errors).toEqual(await errorsForUnknown(stranger, CREATE, variables, order.id));
        expect(await paymentCount(order.id)).toBe(0);
      });

      it('should refuse an anonymous caller with UNAUTHENTICATED, writing nothing', async () => {
        const order = await orders.confirmed();
        expect(errorCodes(await graphql(subgraph.url, CREATE, { orderId: order.id, method: 'CARD' }))).toEqual([
          'UNAUTHENTICATED',
        ]);
        expect(await paymentCount(order.id)).toBe(0);
      });

      it("should let an administrator open a payment for anyone's order, owned by the order's buyer", async () => {
        const order = await orders.confirmed();
        const { createPayment } = await ok(subgraph.admin, CREATE, { orderId: order.id, method: 'BANK_TRANSFER' });
        const stored = await subgraph.db.payment.findUniqueOrThrow({ where: { id: createPayment.id } });
        expect(stored.userId).toBe(orders.buyer.userId);
      });
    });

    describe('payForOrder', () => {
      it("should answer a customer paying another's order with NOT_FOUND, as for an unknown one, charging nothing", async () => {
        const order = await orders.confirmed();
        const variables = { orderId: order.id, key: `key_${randomUUID()}` };
        const response = await graphql(stranger, PAY, variables);
        expect(errorCodes(response)).toEqual(['NOT_FOUND']);
        expect(response.errors).toEqual(await errorsForUnknown(stranger, PAY, variables, order.id));
        expect(await paymentCount(order.id)).toBe(0);
      });

      it("should not hand another customer's payment to someone who repeats its idempotency key", async () => {
        const order = await orders.confirmed();
        const variables = { orderId: order.id, key: `key_${randomUUID()}` };
        const paid = (await ok(buyer, PAY, variables)).payForOrder;
        const response = await graphql(stranger, PAY, variables);
        expect(errorCodes(response)).toEqual(['NOT_FOUND']);
        expect(JSON.stringify(response)).not.toContain(paid.id);
        expect((await ok(buyer, PAY, variables)).payForOrder).toEqual(paid);
      });

      it('should refuse an anonymous caller with UNAUTHENTICATED, charging nothing', async () => {
        const order = await orders.confirmed();
        const response = await graphql(subgraph.url, PAY, { orderId: order.id, key: `key_${randomUUID()}` });
        expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
        expect(await paymentCount(order.id)).toBe(0);
      });

      it("should let the buyer and an administrator pay, the payment owned by the order's buyer", async () => {
        for (const payer of [buyer, subgraph.admin]) {
          const order = await orders.confirmed();
          const { payForOrder } = await ok(payer, PAY, { orderId: order.id, key: `key_${randomUUID()}` });
          expect(payForOrder.status).toBe('CAPTURED');
          const stored = await subgraph.db.payment.findUniqueOrThrow({ where: { id: payForOrder.id } });
          expect(stored.userId).toBe(orders.buyer.userId);
        }
      });
    });

    describe('updatePaymentStatus', () => {
      it('should refuse a customer with FORBIDDEN, even for their own payment, changing nothing', async () => {
        const payment = await payOrder();
        const response = await graphql(buyer, UPDATE_STATUS, { id: payment.id, status: 'CAPTURED' });
        expect(errorCodes(response)).toEqual(['FORBIDDEN']);
        expect((await subgraph.db.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe('PENDING');
        expect(await outboxEvents((await subgraph.db.payment.findUniqueOrThrow({ where: { id: payment.id } })).orderId)).toEqual(
          [],
        );
      });

      it('should refuse an anonymous caller with UNAUTHENTICATED, changing nothing', async () => {
        const payment = await payOrder();
        const response = await graphql(subgraph.url, UPDATE_STATUS, { id: payment.id, status: 'CAPTURED' });
        expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
        expect((await subgraph.db.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe('PENDING');
      });

      it('should let an administrator move the same payment', async () => {
        const payment = await payOrder();
        expect((await moveTo(payment.id, 'CAPTURED')).status).toBe('CAPTURED');
      });
    });

    describe('entity references', () => {
      it("should resolve payments and an order's payments for their owner and administrators only", async () => {
        const order = await orders.confirmed();
        const payment = await payOrder(order);
        // Recorded before payments had owners: administrators see it, customers never do.
        const legacy = await subgraph.db.payment.create({
          data: { orderId: order.id, amount: 1, currency: 'EUR', method: 'BANK_TRANSFER', status: 'FAILED' },
        });
        const r = [
          { __typename: 'Payment', id: payment.id },
          { __typename: 'Payment', id: legacy.id },
          { __typename: 'Order', id: order.id },
        ];
        const newestFirst = (
          await subgraph.db.payment.findMany({ where: { orderId: order.id }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] })
        ).map(({ id }) => id);
        expect((await ok(subgraph.admin, ENTITIES, { r }))._entities).toEqual([
          { id: payment.id },
          { id: legacy.id },
          { id: order.id, payment: { id: newestFirst[0] }, payments: newestFirst.map((id) => ({ id })) },
        ]);
        expect((await ok(buyer, ENTITIES, { r }))._entities).toEqual([
          { id: payment.id },
          null,
          { id: order.id, payment: { id: payment.id }, payments: [{ id: payment.id }] },
        ]);
        for (const outsider of [stranger, { url: subgraph.url }]) {
          expect((await ok(outsider, ENTITIES, { r }))._entities).toEqual([
            null,
            null,
            { id: order.id, payment: null, payments: [] },
          ]);
        }
      });
    });
  });
});
