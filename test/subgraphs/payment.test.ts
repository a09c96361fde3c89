// The payment subgraph against the real order subgraph (and the user and product subgraphs it
// needs), all with their workers: an order is placed as a client places one, confirmed by the
// product subgraph's reservation, and brought to any other status the way the lifecycle does.
import net, { type AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { errorCodes, graphql, ok } from '../support/graphql';
import { statementCount } from '../support/metrics';
import { startOrderSubgraphs, withoutWorkers, type OrderSubgraphs, type TestOrder } from '../support/orders';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraphs';
import { paymentSubgraph } from '../../subgraphs/payment/server';
import { PAYMENT_TRANSITIONS, canTransition } from '../../subgraphs/payment/status';
import type { Db } from '../../subgraphs/payment/db';
import type { PaymentStatus } from '../../prisma/payment/generated/enums';
import { outboxEventsAbout } from '../support/outbox';

let databases: TestDatabases;
let orders: OrderSubgraphs;
let subgraph: TestSubgraph<Db>;

beforeAll(async () => {
  databases = await createTestDatabases();
  orders = await startOrderSubgraphs(databases);
  subgraph = await startTestSubgraph(paymentSubgraph, databases.payment, { ORDER_SUBGRAPH_URL: orders.url });
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
    await ok(subgraph.url, PAY_FOR_ORDER, { orderId: order.id, key: `key_${randomUUID()}`, token: 'tok_decline' });
    await orders.reached(order.id, 'PAYMENT_FAILED');
  }
  if (status === 'PAID' || status === 'SHIPPED' || status === 'DELIVERED') {
    await ok(subgraph.url, PAY_FOR_ORDER, { orderId: order.id, key: `key_${randomUUID()}`, token: 'tok_visa' });
    await orders.reached(order.id, 'PAID');
  }
  if (status === 'SHIPPED' || status === 'DELIVERED') await orders.moveTo(order.id, 'SHIPPED');
  if (status === 'DELIVERED') await orders.moveTo(order.id, 'DELIVERED');
  return order;
}

function createPayment(orderId: string, method = 'CARD') {
  return graphql(subgraph.url, CREATE, { orderId, method });
}

async function payOrder(order?: TestOrder): Promise<{ id: string; status: string }> {
  const { id: orderId } = order ?? (await orders.confirmed());
  return (await ok(subgraph.url, CREATE, { orderId, method: 'CARD' })).createPayment;
}

function paymentCount(orderId: string): Promise<number> {
  return subgraph.db.payment.count({ where: { orderId } });
}

async function moveTo(id: string, status: PaymentStatus) {
  return (await ok(subgraph.url, UPDATE_STATUS, { id, status })).updatePaymentStatus;
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
      expect(stored).toMatchObject({ orderId: order.id, amount: 12_345, currency: 'USD' });
    });

    it('should not let a client choose the amount', async () => {
      const order = await orders.confirmed();
      const response = await graphql(
        subgraph.url,
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
        const response = await graphql(asking.url, CREATE, { orderId: order.id, method: 'CARD' });
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
        const response = await graphql(isolated.url, CREATE, { orderId: order.id, method: 'CARD' });
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
      const { payment } = await ok(
        subgraph.url,
        `query ($id: ID!) { payment(id: $id) { status failureReason idempotencyKey } }`,
        {
          id: failed.id,
        },
      );
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
      const response = await graphql(subgraph.url, UPDATE_STATUS, { id: payment.id, status: to });
      expect(errorCodes(response)).toEqual(['CONFLICT']);
      expect(response.errors?.[0]?.extensions).toMatchObject({ from, to });
      expect(await subgraph.db.payment.findUniqueOrThrow({ where: { id: payment.id } })).toEqual(before);
      expect(await outboxEvents(before.orderId)).toHaveLength(from === 'PENDING' ? 0 : 1);
    });

    it('should let only one of two concurrent transitions from the same status win', async () => {
      const payment = await payOrder();
      const responses = await Promise.all(
        (['CAPTURED', 'FAILED'] as const).map((status) => graphql(subgraph.url, UPDATE_STATUS, { id: payment.id, status })),
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
      const unknown = await graphql(subgraph.url, UPDATE_STATUS, { id: UNKNOWN_ID, status: 'CAPTURED' });
      expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
      const malformed = await graphql(subgraph.url, UPDATE_STATUS, { id: 'payment-1', status: 'CAPTURED' });
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
      const { payment } = await ok(subgraph.url, PAYMENT, { id: created.id });
      expect(payment).toEqual({
        id: created.id,
        status: 'PENDING',
        amount: { amount: 700, currency: 'GBP' },
        order: { id: order.id },
      });
      expect(errorCodes(await graphql(subgraph.url, PAYMENT, { id: UNKNOWN_ID }))).toEqual(['NOT_FOUND']);
      expect(errorCodes(await graphql(subgraph.url, PAYMENT, { id: "1' OR '1'='1" }))).toEqual(['BAD_USER_INPUT']);
    });

    it('should resolve Order.payment to the latest payment and Order.payments newest first', async () => {
      const order = await orders.confirmed();
      const first = await payOrder(order);
      await moveTo(first.id, 'FAILED');
      const second = await payOrder(order);
      const unpaid = await orders.confirmed();
      const { _entities } = await ok(subgraph.url, ORDERS, { r: representations('Order', [order.id, unpaid.id]) });
      expect(_entities).toEqual([
        { id: order.id, payment: { id: second.id, status: 'PENDING' }, payments: [{ id: second.id }, { id: first.id }] },
        { id: unpaid.id, payment: null, payments: [] },
      ]);
    });

    it('should resolve Payment references, and unknown or malformed ones to null', async () => {
      const payment = await payOrder();
      const { _entities } = await ok(subgraph.url, PAYMENTS, {
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
        const { _entities } = await ok(subgraph.url, query, { r });
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
});
