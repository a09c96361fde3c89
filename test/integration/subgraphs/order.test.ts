import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { Identity } from '../../../shared/auth/identity';
import { customer } from '../../support/auth';
import { createTestDatabases, type TestDatabases } from '../../support/databases';
import { TEST_EVENTS_PREFIX } from '../../support/events';
import { errorCodes, graphql, ok, type Endpoint, type GraphQLResponse } from '../../support/graphql';
import { statementCount } from '../../support/metrics';
import { startTestSubgraph, type TestSubgraph } from '../../support/subgraphs';
import { orderSubgraph } from '../../../subgraphs/order/server';
import { productSubgraph } from '../../../subgraphs/product/server';
import { userSubgraph } from '../../../subgraphs/user/server';
import type { Db as OrderDb } from '../../../subgraphs/order/db';
import type { SubgraphDb } from '../../../shared/server/run-subgraph';
import type { OrderStatus } from '../../../prisma/order/generated/client';
import { ORDER_TRANSITIONS, triggerInto } from '../../../subgraphs/order/status';

let databases: TestDatabases;
let users: TestSubgraph<SubgraphDb>;
let products: TestSubgraph<SubgraphDb>;
let orders: TestSubgraph<OrderDb>;
/** Every started server, closed in afterAll even when a test fails half-way. */
const started: TestSubgraph<unknown>[] = [];
let categoryId: string;

beforeAll(async () => {
  databases = await createTestDatabases(['user', 'product', 'order']);
  [users, products] = await Promise.all([
    startTestSubgraph(userSubgraph, databases.user),
    // Only the catalog is wanted here: on events of its own, the product subgraph never reserves
    // stock for these orders, so no event moves them behind a test's back (the lifecycle is
    // order-lifecycle.test.ts's subject).
    startTestSubgraph(productSubgraph, databases.product, { EVENTS_PREFIX: `${TEST_EVENTS_PREFIX}catalog:` }),
  ]);
  started.push(users, products);
  orders = await startOrderSubgraph();
  const { createCategory } = await ok(products.admin, `mutation { createCategory(name: "Order test goods") { id } }`);
  categoryId = createCategory.id;
});

afterAll(async () => {
  await Promise.all(started.map((subgraph) => subgraph.close()));
  await databases?.drop();
});

async function startOrderSubgraph(env: Record<string, string> = {}): Promise<TestSubgraph<OrderDb>> {
  const subgraph = await startTestSubgraph(orderSubgraph, databases.order, {
    USER_SUBGRAPH_URL: users.url,
    PRODUCT_SUBGRAPH_URL: products.url,
    ...env,
  });
  started.push(subgraph);
  return subgraph;
}

/** A URL where nothing listens: a port the OS just handed out and took back. */
async function closedPortUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/graphql`;
}

let counter = 0;

async function createUser(): Promise<string> {
  counter += 1;
  const { createUser } = await ok(users.admin, `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`, {
    input: { email: `buyer${counter}@example.com`, name: `Buyer ${counter}` },
  });
  return createUser.id;
}

function buildProductInput(overrides: Record<string, unknown> = {}) {
  counter += 1;
  return {
    sku: `ORDER-TEST-${counter}`,
    name: `Product ${counter}`,
    price: { amount: 1999, currency: 'EUR' },
    categoryId,
    stock: 10,
    ...overrides,
  };
}

async function createProduct(overrides: Record<string, unknown> = {}): Promise<string> {
  const { createProduct } = await ok(
    products.admin,
    `mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }`,
    { input: buildProductInput(overrides) },
  );
  return createProduct.id;
}

const ORDER_FIELDS = `
  id status version createdAt updatedAt
  statusHistory { id from to reason version }
  user { id }
  total { amount currency }
  items { id product { id } productName quantity unitPrice { amount currency } lineTotal { amount currency } }
`;

const PLACE = `mutation ($userId: ID!, $items: [OrderItemInput!]!) { placeOrder(userId: $userId, items: $items) { ${ORDER_FIELDS} } }`;
const UPDATE_STATUS = `mutation ($id: ID!, $status: OrderStatus!) { updateOrderStatus(id: $id, status: $status) { id status version updatedAt } }`;
const CANCEL = `mutation ($id: ID!, $reason: String) { cancelOrder(id: $id, reason: $reason) { id status version statusHistory { from to reason version } } }`;
const ORDER = `query ($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`;

type Items = { productId: string; quantity: number }[];

function placeOrder(userId: string, items: Items, target: Endpoint = orders.admin): Promise<GraphQLResponse> {
  return graphql(target, PLACE, { userId, items });
}

async function placeOrderOk(userId: string, items: Items) {
  const { placeOrder: order } = await ok(orders.admin, PLACE, { userId, items });
  return order;
}

async function setStatus(id: string, status: string) {
  return (await ok(orders.admin, UPDATE_STATUS, { id, status })).updateOrderStatus;
}

/**
 * Puts an order in `status` straight in the database, as if the lifecycle's events had moved it
 * (they are order-lifecycle.test.ts's subject): the tests here are about what the API does next.
 */
async function forceStatus(id: string, status: OrderStatus) {
  await orders.db.order.update({ where: { id }, data: { status, version: { increment: 1 } } });
}

async function rowCounts() {
  return {
    orders: await orders.db.order.count(),
    items: await orders.db.orderItem.count(),
    changes: await orders.db.orderStatusChange.count(),
    events: await orders.db.outboxEvent.count(),
  };
}

/** Runs `attempt` and checks it wrote no order and no item. */
async function expectNothingWritten(attempt: () => Promise<GraphQLResponse>): Promise<GraphQLResponse> {
  const before = await rowCounts();
  const response = await attempt();
  expect(await rowCounts()).toEqual(before);
  return response;
}

const UNKNOWN_ID = '01920000-0000-7000-8000-000000000000';

describe('placeOrder', () => {
  it('should place a PENDING order priced from the catalog, with line totals and a total', async () => {
    const userId = await createUser();
    const mug = await createProduct({ name: 'Mug', price: { amount: 1999, currency: 'EUR' } });
    const spoon = await createProduct({ name: 'Spoon', price: { amount: 500, currency: 'EUR' } });

    const order = await placeOrderOk(userId, [
      { productId: mug, quantity: 2 },
      { productId: spoon, quantity: 1 },
    ]);

    expect(order).toMatchObject({
      status: 'PENDING',
      version: 1,
      user: { id: userId },
      total: { amount: 4498, currency: 'EUR' },
    });
    expect(order.statusHistory).toEqual([{ id: expect.any(String), from: null, to: 'PENDING', reason: null, version: 1 }]);
    expect(new Date(order.createdAt).getTime()).not.toBeNaN();
    expect(order.items).toHaveLength(2);
    expect(order.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          product: { id: mug },
          productName: 'Mug',
          quantity: 2,
          unitPrice: { amount: 1999, currency: 'EUR' },
          lineTotal: { amount: 3998, currency: 'EUR' },
        }),
        expect.objectContaining({
          product: { id: spoon },
          productName: 'Spoon',
          quantity: 1,
          lineTotal: { amount: 500, currency: 'EUR' },
        }),
      ]),
    );
    const { order: reread } = await ok(orders.admin, ORDER, { id: order.id });
    expect(reread).toEqual(order);
  });

  it('should keep the name and price of the moment the order was placed when the product changes later', async () => {
    const userId = await createUser();
    const productId = await createProduct({ name: 'Kettle', price: { amount: 3000, currency: 'EUR' } });
    const placed = await placeOrderOk(userId, [{ productId, quantity: 3 }]);

    await ok(
      products.admin,
      `mutation ($id: ID!) { updateProduct(id: $id, input: { name: "Kettle Pro", price: { amount: 4500, currency: "EUR" } }) { id } }`,
      { id: productId },
    );

    const { order } = await ok(orders.admin, ORDER, { id: placed.id });
    expect(order.items[0]).toMatchObject({ productName: 'Kettle', unitPrice: { amount: 3000, currency: 'EUR' } });
    expect(order.total).toEqual({ amount: 9000, currency: 'EUR' });
  });

  it('should merge a product listed twice into one item with the quantities added', async () => {
    const userId = await createUser();
    const productId = await createProduct({ price: { amount: 100, currency: 'USD' } });

    const order = await placeOrderOk(userId, [
      { productId, quantity: 2 },
      { productId: productId.toUpperCase(), quantity: 3 },
    ]);

    expect(order.items).toEqual([expect.objectContaining({ product: { id: productId }, quantity: 5 })]);
    expect(order.total).toEqual({ amount: 500, currency: 'USD' });
    expect(await orders.db.orderItem.count({ where: { orderId: order.id } })).toBe(1);
  });

  // Each case builds its own request from fresh users and products, then names the field expected.
  const badInputs: [string, () => Promise<{ userId: string; items: Items }>, string][] = [
    ['no items', async () => ({ userId: await createUser(), items: [] }), 'items'],
    [
      'more than 50 items',
      async () => {
        const productId = await createProduct();
        return { userId: await createUser(), items: Array.from({ length: 51 }, () => ({ productId, quantity: 1 })) };
      },
      'items',
    ],
    [
      'a quantity of 0',
      async () => {
        const [a, b] = [await createProduct(), await createProduct()];
        return {
          userId: await createUser(),
          items: [
            { productId: a, quantity: 1 },
            { productId: b, quantity: 0 },
          ],
        };
      },
      'items[1].quantity',
    ],
    [
      'a quantity over 1000',
      async () => ({ userId: await createUser(), items: [{ productId: await createProduct(), quantity: 1001 }] }),
      'items[0].quantity',
    ],
    [
      'duplicates adding up to over 1000',
      async () => {
        const productId = await createProduct();
        return {
          userId: await createUser(),
          items: [
            { productId, quantity: 600 },
            { productId, quantity: 600 },
          ],
        };
      },
      'items[1].quantity',
    ],
    [
      'a malformed product id',
      async () => {
        const [a, b] = [await createProduct(), await createProduct()];
        const items = [
          { productId: a, quantity: 1 },
          { productId: b, quantity: 1 },
          { productId: 'nope', quantity: 1 },
        ];
        return { userId: await createUser(), items };
      },
      'items[2].productId',
    ],
    [
      'a malformed user id',
      async () => ({ userId: "1' OR '1'='1", items: [{ productId: await createProduct(), quantity: 1 }] }),
      'userId',
    ],
    [
      'products priced in different currencies',
      async () => {
        const euro = await createProduct({ price: { amount: 100, currency: 'EUR' } });
        const dollar = await createProduct({ price: { amount: 100, currency: 'USD' } });
        return {
          userId: await createUser(),
          items: [
            { productId: euro, quantity: 1 },
            { productId: dollar, quantity: 1 },
          ],
        };
      },
      'items',
    ],
    [
      'a total beyond what an amount can hold',
      async () => {
        const productId = await createProduct({ price: { amount: 100_000_000, currency: 'EUR' } });
        return { userId: await createUser(), items: [{ productId, quantity: 1000 }] };
      },
      'items',
    ],
  ];

  it.each(badInputs)(
    'should reject %s with BAD_USER_INPUT naming the field, writing nothing (no event either)',
    async (_, build, field) => {
      const { userId, items } = await build();
      const response = await expectNothingWritten(() => placeOrder(userId, items));
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors?.[0]?.extensions?.field).toBe(field);
    },
  );

  it('should answer NOT_FOUND for a user that does not exist, writing nothing', async () => {
    const productId = await createProduct();
    const response = await expectNothingWritten(() => placeOrder(UNKNOWN_ID, [{ productId, quantity: 1 }]));
    expect(errorCodes(response)).toEqual(['NOT_FOUND']);
    expect(response.errors?.[0]?.extensions).toMatchObject({ type: 'User', id: UNKNOWN_ID });
  });

  it('should answer NOT_FOUND naming a product that does not exist, writing nothing', async () => {
    const [userId, known] = [await createUser(), await createProduct()];
    const response = await expectNothingWritten(() =>
      placeOrder(userId, [
        { productId: known, quantity: 1 },
        { productId: UNKNOWN_ID, quantity: 2 },
      ]),
    );
    expect(errorCodes(response)).toEqual(['NOT_FOUND']);
    expect(response.errors?.[0]?.extensions).toMatchObject({ productId: UNKNOWN_ID, field: 'items[1].productId' });
    expect(response.errors?.[0]?.message).toContain(UNKNOWN_ID);
  });

  it.each(['product', 'user'])(
    'should answer SERVICE_UNAVAILABLE when the %s subgraph is unreachable, writing nothing',
    async (service) => {
      const [userId, productId] = [await createUser(), await createProduct()];
      const cutOff = await startOrderSubgraph({ [`${service.toUpperCase()}_SUBGRAPH_URL`]: await closedPortUrl() });

      const response = await expectNothingWritten(() => placeOrder(userId, [{ productId, quantity: 1 }], cutOff.admin));

      expect(errorCodes(response)).toEqual(['SERVICE_UNAVAILABLE']);
      expect(response.errors?.[0]?.extensions?.service).toBe(service);
      expect(response.errors?.[0]?.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    },
  );
});

describe('updateOrderStatus', () => {
  async function newOrder(status?: OrderStatus) {
    const order = await placeOrderOk(await createUser(), [{ productId: await createProduct(), quantity: 1 }]);
    if (status) await forceStatus(order.id, status);
    return order;
  }

  it('should ship a PAID order, then deliver it, counting versions and touching updatedAt', async () => {
    const order = await newOrder('PAID');
    const shipped = await setStatus(order.id, 'SHIPPED');
    expect(shipped).toMatchObject({ status: 'SHIPPED', version: 3 });
    expect(new Date(shipped.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(order.updatedAt).getTime());
    const delivered = await setStatus(order.id, 'DELIVERED');
    expect(delivered).toMatchObject({ status: 'DELIVERED', version: 4 });

    const history = await orders.db.orderStatusChange.findMany({ where: { orderId: order.id }, orderBy: { version: 'asc' } });
    expect(history.map(({ fromStatus, toStatus, version }) => [fromStatus, toStatus, version])).toEqual([
      [null, 'PENDING', 1],
      ['PAID', 'SHIPPED', 3],
      ['SHIPPED', 'DELIVERED', 4],
    ]);
  });

  it.each(['PENDING', 'CONFIRMED', 'FAILED', 'PAID', 'PAYMENT_FAILED'])(
    'should refuse to set %s, which the lifecycle sets, with BAD_USER_INPUT, changing nothing',
    async (status) => {
      const order = await newOrder('CONFIRMED');
      const before = await rowCounts();
      const response = await graphql(orders.admin, UPDATE_STATUS, { id: order.id, status });
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors?.[0]?.extensions?.field).toBe('status');
      expect(response.errors?.[0]?.message).toContain('set by the order lifecycle');
      expect(await rowCounts()).toEqual(before);
    },
  );

  it('should point to cancelOrder when asked to set CANCELLED', async () => {
    const order = await newOrder('PAID');
    const response = await graphql(orders.admin, UPDATE_STATUS, { id: order.id, status: 'CANCELLED' });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.message).toContain('cancelOrder');
    expect((await orders.db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe('PAID');
  });

  it.each<[OrderStatus, string]>([
    ['PENDING', 'SHIPPED'],
    ['CONFIRMED', 'SHIPPED'],
    ['PAYMENT_FAILED', 'SHIPPED'],
    ['PAID', 'DELIVERED'],
    ['SHIPPED', 'SHIPPED'],
    ['DELIVERED', 'SHIPPED'],
    ['FAILED', 'SHIPPED'],
    ['CANCELLED', 'DELIVERED'],
  ])('should reject moving a %s order to %s with CONFLICT, changing nothing', async (from, to) => {
    const order = await newOrder(from);
    const before = await orders.db.order.findUniqueOrThrow({ where: { id: order.id } });
    const counts = await rowCounts();

    const response = await graphql(orders.admin, UPDATE_STATUS, { id: order.id, status: to });

    expect(errorCodes(response)).toEqual(['CONFLICT']);
    expect(response.errors?.[0]?.extensions).toMatchObject({ from, to });
    expect(await orders.db.order.findUniqueOrThrow({ where: { id: order.id } })).toEqual(before);
    expect(await rowCounts()).toEqual(counts);
  });

  it('should let exactly one of a concurrent shipment and cancellation win', async () => {
    const order = await newOrder('PAID');
    const responses = await Promise.all([
      graphql(orders.admin, UPDATE_STATUS, { id: order.id, status: 'SHIPPED' }),
      graphql(orders.admin, CANCEL, { id: order.id }),
    ]);
    const winners = responses.filter((response) => !response.errors);
    expect(winners).toHaveLength(1);
    expect(responses.flatMap(errorCodes)).toEqual(['CONFLICT']);
    const stored = await orders.db.order.findUniqueOrThrow({ where: { id: order.id } });
    const winner = winners[0]?.data?.updateOrderStatus ?? winners[0]?.data?.cancelOrder;
    expect(stored).toMatchObject({ status: winner.status, version: 3 });
    expect(await orders.db.orderStatusChange.count({ where: { orderId: order.id } })).toBe(2);
  });

  it('should answer NOT_FOUND for an unknown order and BAD_USER_INPUT for a malformed id', async () => {
    const unknown = await graphql(orders.admin, UPDATE_STATUS, { id: UNKNOWN_ID, status: 'SHIPPED' });
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    const malformed = await graphql(orders.admin, UPDATE_STATUS, { id: 'x', status: 'SHIPPED' });
    expect(errorCodes(malformed)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('cancelOrder', () => {
  async function newOrder() {
    return placeOrderOk(await createUser(), [{ productId: await createProduct(), quantity: 1 }]);
  }

  it('should cancel with the reason recorded in the history, trimmed', async () => {
    const order = await newOrder();
    const { cancelOrder } = await ok(orders.admin, CANCEL, { id: order.id, reason: '  Changed my mind  ' });
    expect(cancelOrder).toMatchObject({ status: 'CANCELLED', version: 2 });
    expect(cancelOrder.statusHistory.at(-1)).toEqual({ from: 'PENDING', to: 'CANCELLED', reason: 'Changed my mind', version: 2 });
  });

  it.each([undefined, null, '   '])('should cancel without a reason when given %j', async (reason) => {
    const order = await newOrder();
    const { cancelOrder } = await ok(orders.admin, CANCEL, { id: order.id, reason });
    expect(cancelOrder.statusHistory.at(-1)).toMatchObject({ to: 'CANCELLED', reason: null });
  });

  it('should reject a reason over 500 characters with BAD_USER_INPUT, changing nothing', async () => {
    const order = await newOrder();
    const before = await rowCounts();
    const response = await graphql(orders.admin, CANCEL, { id: order.id, reason: 'x'.repeat(501) });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.extensions?.field).toBe('reason');
    expect(await rowCounts()).toEqual(before);
    await ok(orders.admin, CANCEL, { id: order.id, reason: 'x'.repeat(500) });
  });

  it('should answer NOT_FOUND for an unknown order and BAD_USER_INPUT for a malformed id', async () => {
    expect(errorCodes(await graphql(orders.admin, CANCEL, { id: UNKNOWN_ID }))).toEqual(['NOT_FOUND']);
    const malformed = await graphql(orders.admin, CANCEL, { id: 'nope' });
    expect(errorCodes(malformed)).toEqual(['BAD_USER_INPUT']);
    expect(malformed.errors?.[0]?.extensions?.field).toBe('id');
  });
});

describe('status table', () => {
  it('should reach each status by one kind of trigger only, so updateOrderStatus can refuse by status alone', () => {
    for (const [from, targets] of Object.entries(ORDER_TRANSITIONS)) {
      for (const [to, trigger] of Object.entries(targets)) {
        expect([from, to, triggerInto(to as OrderStatus)]).toEqual([from, to, trigger]);
      }
    }
    expect(triggerInto('PENDING')).toBe('placement');
  });
});

describe('queries', () => {
  const LIST = `query ($filter: OrderFilter, $first: Int, $after: String) {
    orders(filter: $filter, first: $first, after: $after) { totalCount edges { cursor node { id status } } pageInfo { hasNextPage endCursor } }
  }`;

  async function ordersOf(count: number) {
    const userId = await createUser();
    const productId = await createProduct();
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) ids.push((await placeOrderOk(userId, [{ productId, quantity: i + 1 }])).id);
    return { userId, ids };
  }

  it('should answer NOT_FOUND for an unknown order and BAD_USER_INPUT for a malformed id', async () => {
    expect(errorCodes(await graphql(orders.admin, ORDER, { id: UNKNOWN_ID }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await graphql(orders.admin, ORDER, { id: "1' OR '1'='1" }))).toEqual(['BAD_USER_INPUT']);
  });

  it("should page through a user's orders newest first, without gaps or repeats", async () => {
    const { userId, ids } = await ordersOf(5);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      // any: a page's shape is checked by the assertions below.
      const { orders: page }: { orders: any } = await ok(orders.admin, LIST, { filter: { userId }, first: 2, after });
      expect(page.totalCount).toBe(5);
      expect(page.edges.length).toBeLessThanOrEqual(2);
      seen.push(...page.edges.map((edge: { node: { id: string } }) => edge.node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual([...ids].reverse());
  });

  it('should filter by status and user, counting only matching orders', async () => {
    const { userId, ids } = await ordersOf(3);
    await ok(orders.admin, CANCEL, { id: ids[1] });
    const { orders: cancelled } = await ok(orders.admin, LIST, { filter: { userId, status: 'CANCELLED' } });
    expect(cancelled.totalCount).toBe(1);
    expect(cancelled.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([ids[1]]);

    const { orders: everyone } = await ok(orders.admin, LIST, { filter: { status: 'PENDING' }, first: 100 });
    expect(everyone.totalCount).toBe(await orders.db.order.count({ where: { status: 'PENDING' } }));
    expect(everyone.edges.every((edge: { node: { status: string } }) => edge.node.status === 'PENDING')).toBe(true);
  });

  it('should reject a page size out of range, a forged cursor and a malformed user filter', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ first: 0 }, 'first'],
      [{ first: 101 }, 'first'],
      [{ after: 'garbage' }, 'after'],
      [{ filter: { userId: 'nope' } }, 'filter.userId'],
    ];
    for (const [variables, field] of cases) {
      const response = await graphql(orders.admin, LIST, variables);
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors?.[0]?.extensions?.field).toBe(field);
    }
  });

  const USER_ORDERS = `query ($r: [_Any!]!, $status: OrderStatus, $first: Int) {
    _entities(representations: $r) { ... on User { id orders(status: $status, first: $first) { id status } } }
  }`;

  it("should resolve a user's orders newest first, limited by first and filtered by status", async () => {
    const { userId, ids } = await ordersOf(4);
    await forceStatus(ids[0]!, 'CONFIRMED');
    await forceStatus(ids[2]!, 'CONFIRMED');
    const representations = [
      { __typename: 'User', id: userId },
      { __typename: 'User', id: UNKNOWN_ID },
    ];

    const { _entities: latest } = await ok(orders.admin, USER_ORDERS, { r: representations, first: 3 });
    expect(latest[0].orders.map((order: { id: string }) => order.id)).toEqual([ids[3], ids[2], ids[1]]);
    expect(latest[1]).toEqual({ id: UNKNOWN_ID, orders: [] });

    const { _entities: confirmed } = await ok(orders.admin, USER_ORDERS, { r: representations, status: 'CONFIRMED' });
    expect(confirmed[0].orders).toEqual([
      { id: ids[2], status: 'CONFIRMED' },
      { id: ids[0], status: 'CONFIRMED' },
    ]);

    const tooMany = await graphql(orders.admin, USER_ORDERS, { r: representations, first: 101 });
    expect(errorCodes(tooMany)).toContain('BAD_USER_INPUT');
  });

  const CHANGE = `query ($id: ID!) { orderStatusChange(id: $id) { id orderId order { id status } from to at reason version } }`;

  it('should answer orderStatusChange with the change and its order', async () => {
    const { ids } = await ordersOf(1);
    const { cancelOrder } = await ok(
      orders.admin,
      `mutation ($id: ID!) { cancelOrder(id: $id, reason: "Duplicate") { statusHistory { id at } } }`,
      {
        id: ids[0],
      },
    );
    const [placed, cancelled] = cancelOrder.statusHistory;

    const { orderStatusChange } = await ok(orders.admin, CHANGE, { id: cancelled.id });
    expect(orderStatusChange).toEqual({
      id: cancelled.id,
      orderId: ids[0],
      order: { id: ids[0], status: 'CANCELLED' },
      from: 'PENDING',
      to: 'CANCELLED',
      at: cancelled.at,
      reason: 'Duplicate',
      version: 2,
    });
    expect((await ok(orders.admin, CHANGE, { id: placed.id })).orderStatusChange).toMatchObject({
      from: null,
      to: 'PENDING',
      version: 1,
    });
  });

  it('should answer orderStatusChange with NOT_FOUND for an unknown id and BAD_USER_INPUT for a malformed one', async () => {
    const unknown = await graphql(orders.admin, CHANGE, { id: UNKNOWN_ID });
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ type: 'OrderStatusChange', id: UNKNOWN_ID });
    const malformed = await graphql(orders.admin, CHANGE, { id: 'nope' });
    expect(errorCodes(malformed)).toEqual(['BAD_USER_INPUT']);
    expect(malformed.errors?.[0]?.extensions?.field).toBe('id');
  });

  it('should resolve status change references, and unknown or malformed ones to null', async () => {
    const { ids } = await ordersOf(1);
    const [placed] = await orders.db.orderStatusChange.findMany({ where: { orderId: ids[0] } });
    const { _entities } = await ok(
      orders.admin,
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on OrderStatusChange { id to version order { id } } } }`,
      { r: [placed!.id, UNKNOWN_ID, 'not-a-uuid'].map((id) => ({ __typename: 'OrderStatusChange', id })) },
    );
    expect(_entities).toEqual([{ id: placed!.id, to: 'PENDING', version: 1, order: { id: ids[0] } }, null, null]);
  });

  it('should refuse a subscription over HTTP, pointing to the gateway and to graphql-ws', async () => {
    const response = await graphql(
      orders.admin,
      `
        subscription {
          orderStatusChanged {
            id
            to
          }
        }
      `,
    );
    expect(errorCodes(response)).toEqual(['BAD_REQUEST']);
    expect(response.errors?.[0]?.message).toBe(
      'Subscriptions are not served over HTTP here: subscribe through the gateway, or over WebSocket (graphql-ws) on the subgraph that owns the field.',
    );
  });

  it('should resolve order references, and unknown or malformed ones to null', async () => {
    const { ids } = await ordersOf(2);
    const { _entities } = await ok(
      orders.admin,
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id total { amount } } } }`,
      { r: [...ids, UNKNOWN_ID, 'not-a-uuid'].map((id) => ({ __typename: 'Order', id })) },
    );
    expect(_entities).toEqual([{ id: ids[0], total: { amount: 1999 } }, { id: ids[1], total: { amount: 3998 } }, null, null]);
  });
});

describe('batching', () => {
  const DEEP = `query ($r: [_Any!]!) {
    _entities(representations: $r) {
      ... on Order {
        id version total { amount }
        items { product { id } quantity lineTotal { amount } }
        statusHistory { id from to version order { id } }
        user { id orders(first: 3) { id items { id } statusHistory { id } } }
      }
    }
  }`;

  /** Orders written straight to the database: this test is about reading them. */
  async function seedOrders(count: number, buyers: number): Promise<string[]> {
    const userIds = Array.from({ length: buyers }, () => randomUUID());
    const created = await orders.db.order.createManyAndReturn({
      data: Array.from({ length: count }, (_, i) => ({ userId: userIds[i % buyers]!, totalAmount: 300, currency: 'EUR' })),
      select: { id: true },
    });
    await orders.db.orderItem.createMany({
      data: created.flatMap(({ id }) => [
        { orderId: id, productId: randomUUID(), productName: 'Cup', quantity: 1, unitPriceAmount: 100 },
        { orderId: id, productId: randomUUID(), productName: 'Saucer', quantity: 2, unitPriceAmount: 100 },
      ]),
    });
    await orders.db.orderStatusChange.createMany({
      data: created.flatMap(({ id }) => [
        { orderId: id, fromStatus: null, toStatus: 'PENDING' as const, version: 1 },
        { orderId: id, fromStatus: 'PENDING' as const, toStatus: 'CONFIRMED' as const, version: 2 },
      ]),
    });
    return created.map(({ id }) => id);
  }

  async function statementsFor(ids: string[]): Promise<number> {
    const before = await statementCount(orders.url);
    const { _entities } = await ok(orders.admin, DEEP, { r: ids.map((id) => ({ __typename: 'Order', id })) });
    expect(_entities).toHaveLength(ids.length);
    expect(
      _entities.every(
        (order: { items: unknown[]; statusHistory: { version: number }[]; user: { orders: unknown[] } }) =>
          order.items.length === 2 &&
          order.statusHistory.map((change) => change.version).join() === '1,2' &&
          order.user.orders.length > 0,
      ),
    ).toBe(true);
    return (await statementCount(orders.url)) - before;
  }

  it("should resolve 5 or 40 orders with items, histories and their users' orders in the same number of statements", async () => {
    const few = await statementsFor(await seedOrders(5, 2));
    const many = await statementsFor(await seedOrders(40, 10));
    expect(many).toBe(few);
    // Orders; their items and histories; each user's ranked order ids and those orders; their
    // items and histories. (The histories' `order` is already loaded.)
    expect(few).toBeLessThanOrEqual(7);
  });
});

describe('authorization', () => {
  // Two customers with an order each: every rule is asked of the owner and of the other one.
  let alice: Identity;
  let bob: Identity;
  let aliceOrder: { id: string; statusHistory: { id: string }[] };
  let bobOrder: { id: string; statusHistory: { id: string }[] };

  const PLACE_OWN = `mutation ($items: [OrderItemInput!]!) { placeOrder(items: $items) { id user { id } statusHistory { id } } }`;
  const LIST = `query ($filter: OrderFilter) { orders(filter: $filter, first: 100) { totalCount edges { node { id } } } }`;
  const CHANGE = `query ($id: ID!) { orderStatusChange(id: $id) { id order { id } } }`;
  const ENTITIES = `query ($r: [_Any!]!) {
    _entities(representations: $r) {
      ... on Order { id }
      ... on OrderStatusChange { id }
      ... on User { id orders { id } }
    }
  }`;

  async function items(): Promise<Items> {
    return [{ productId: await createProduct(), quantity: 1 }];
  }

  async function placeAs(identity: Identity) {
    return (await ok(orders.as(identity), PLACE_OWN, { items: await items() })).placeOrder;
  }

  /** The errors `target` gets for the same request about an id nobody has, with `id` in its place. */
  async function errorsForUnknown(target: Endpoint, query: string, id: string) {
    const response = await graphql(target, query, { id: UNKNOWN_ID });
    return JSON.parse(JSON.stringify(response.errors).replaceAll(UNKNOWN_ID, id));
  }

  // any: the shape of a page is what the assertions check.
  const listed = (data: Record<string, any>): string[] => data.orders.edges.map(({ node }: { node: { id: string } }) => node.id);

  beforeAll(async () => {
    [alice, bob] = [customer(await createUser()), customer(await createUser())];
    [aliceOrder, bobOrder] = [await placeAs(alice), await placeAs(bob)];
  });

  describe('placeOrder', () => {
    it("should place a customer's order for themself when no userId is given, or their own is", async () => {
      const { placeOrder: own } = await ok(orders.as(alice), PLACE_OWN, { items: await items() });
      expect(own.user).toEqual({ id: alice.userId });
      const named = await placeOrder(alice.userId, await items(), orders.as(alice));
      expect(named.data?.placeOrder.user).toEqual({ id: alice.userId });
    });

    it('should refuse a customer placing an order for another user with FORBIDDEN, writing nothing', async () => {
      const productItems = await items();
      const response = await expectNothingWritten(() => placeOrder(bob.userId, productItems, orders.as(alice)));
      expect(errorCodes(response)).toEqual(['FORBIDDEN']);
    });

    it('should let an administrator place an order for any user', async () => {
      const response = await placeOrder(bob.userId, await items(), orders.admin);
      expect(response.data?.placeOrder.user).toEqual({ id: bob.userId });
    });

    it('should refuse an anonymous caller with UNAUTHENTICATED, writing nothing', async () => {
      const productItems = await items();
      const withoutUser = await expectNothingWritten(() => graphql(orders.url, PLACE_OWN, { items: productItems }));
      expect(errorCodes(withoutUser)).toEqual(['UNAUTHENTICATED']);
      const withUser = await expectNothingWritten(() => placeOrder(alice.userId, productItems, { url: orders.url }));
      expect(errorCodes(withUser)).toEqual(['UNAUTHENTICATED']);
    });
  });

  describe('order', () => {
    it('should show a customer their own order', async () => {
      expect((await ok(orders.as(alice), ORDER, { id: aliceOrder.id })).order).toMatchObject({ id: aliceOrder.id });
    });

    it("should answer another customer's order with NOT_FOUND, the very error of an unknown id", async () => {
      const response = await graphql(orders.as(alice), ORDER, { id: bobOrder.id });
      expect(errorCodes(response)).toEqual(['NOT_FOUND']);
      expect(response.errors).toEqual(await errorsForUnknown(orders.as(alice), ORDER, bobOrder.id));
      expect(response.data?.order).toBeNull();
    });

    it('should show an administrator any order', async () => {
      expect((await ok(orders.admin, ORDER, { id: bobOrder.id })).order).toMatchObject({ id: bobOrder.id });
    });

    it('should refuse an anonymous caller with UNAUTHENTICATED', async () => {
      expect(errorCodes(await graphql(orders.url, ORDER, { id: aliceOrder.id }))).toEqual(['UNAUTHENTICATED']);
    });
  });

  describe('orders', () => {
    it("should list a customer's own orders only, and count only those", async () => {
      const own = await orders.db.order.count({ where: { userId: alice.userId } });
      for (const filter of [null, { userId: alice.userId }]) {
        const response = await ok(orders.as(alice), LIST, { filter });
        expect(response.orders.totalCount).toBe(own);
        expect(listed(response)).toHaveLength(own);
        expect(listed(response)).toContain(aliceOrder.id);
        expect(listed(response)).not.toContain(bobOrder.id);
      }
    });

    it("should refuse a customer asking for another user's orders with FORBIDDEN", async () => {
      const response = await graphql(orders.as(alice), LIST, { filter: { userId: bob.userId } });
      expect(errorCodes(response)).toEqual(['FORBIDDEN']);
      expect(response.data).toBeNull();
    });

    it("should list every order for an administrator, or one user's when filtered", async () => {
      const everyone = await ok(orders.admin, LIST, { filter: null });
      expect(everyone.orders.totalCount).toBe(await orders.db.order.count());
      const bobs = await ok(orders.admin, LIST, { filter: { userId: bob.userId } });
      expect(bobs.orders.totalCount).toBe(await orders.db.order.count({ where: { userId: bob.userId } }));
      expect(listed(bobs)).toContain(bobOrder.id);
      expect(listed(bobs)).not.toContain(aliceOrder.id);
    });

    it('should refuse an anonymous caller with UNAUTHENTICATED', async () => {
      expect(errorCodes(await graphql(orders.url, LIST, {}))).toEqual(['UNAUTHENTICATED']);
    });
  });

  describe('orderStatusChange', () => {
    it("should show a customer their own order's change, and an administrator anyone's", async () => {
      const [aliceChange] = aliceOrder.statusHistory;
      const [bobChange] = bobOrder.statusHistory;
      expect((await ok(orders.as(alice), CHANGE, { id: aliceChange!.id })).orderStatusChange).toEqual({
        id: aliceChange!.id,
        order: { id: aliceOrder.id },
      });
      expect((await ok(orders.admin, CHANGE, { id: bobChange!.id })).orderStatusChange.id).toBe(bobChange!.id);
    });

    it("should answer another customer's change with NOT_FOUND, the very error of an unknown id", async () => {
      const [bobChange] = bobOrder.statusHistory;
      const response = await graphql(orders.as(alice), CHANGE, { id: bobChange!.id });
      expect(errorCodes(response)).toEqual(['NOT_FOUND']);
      expect(response.errors).toEqual(await errorsForUnknown(orders.as(alice), CHANGE, bobChange!.id));
    });

    it('should refuse an anonymous caller with UNAUTHENTICATED', async () => {
      const [aliceChange] = aliceOrder.statusHistory;
      expect(errorCodes(await graphql(orders.url, CHANGE, { id: aliceChange!.id }))).toEqual(['UNAUTHENTICATED']);
    });
  });

  describe('cancelOrder', () => {
    it('should let a customer cancel their own order', async () => {
      const order = await placeAs(alice);
      expect((await ok(orders.as(alice), CANCEL, { id: order.id })).cancelOrder.status).toBe('CANCELLED');
    });

    it("should answer another customer's cancellation with NOT_FOUND, as for an unknown id, changing nothing", async () => {
      const order = await placeAs(bob);
      const before = await rowCounts();
      const response = await graphql(orders.as(alice), CANCEL, { id: order.id });
      expect(errorCodes(response)).toEqual(['NOT_FOUND']);
      expect(response.errors).toEqual(await errorsForUnknown(orders.as(alice), CANCEL, order.id));
      expect(await rowCounts()).toEqual(before);
      expect((await orders.db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe('PENDING');
    });

    it("should let an administrator cancel anyone's order", async () => {
      const order = await placeAs(bob);
      expect((await ok(orders.admin, CANCEL, { id: order.id })).cancelOrder.status).toBe('CANCELLED');
    });

    it('should refuse an anonymous caller with UNAUTHENTICATED, changing nothing', async () => {
      const order = await placeAs(alice);
      expect(errorCodes(await graphql(orders.url, CANCEL, { id: order.id }))).toEqual(['UNAUTHENTICATED']);
      expect((await orders.db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe('PENDING');
    });
  });

  describe('updateOrderStatus', () => {
    it('should refuse a customer with FORBIDDEN, even for their own order, changing nothing', async () => {
      const order = await placeAs(alice);
      await forceStatus(order.id, 'PAID');
      const before = await rowCounts();
      const response = await graphql(orders.as(alice), UPDATE_STATUS, { id: order.id, status: 'SHIPPED' });
      expect(errorCodes(response)).toEqual(['FORBIDDEN']);
      expect(await rowCounts()).toEqual(before);
      expect((await orders.db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe('PAID');
    });

    it('should let an administrator move the same order on', async () => {
      const order = await placeAs(alice);
      await forceStatus(order.id, 'PAID');
      expect((await setStatus(order.id, 'SHIPPED')).status).toBe('SHIPPED');
    });

    it('should refuse an anonymous caller with UNAUTHENTICATED', async () => {
      const response = await graphql(orders.url, UPDATE_STATUS, { id: aliceOrder.id, status: 'SHIPPED' });
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    });
  });

  describe('entity references', () => {
    const representations = () => [
      { __typename: 'Order', id: aliceOrder.id },
      { __typename: 'Order', id: bobOrder.id },
      { __typename: 'OrderStatusChange', id: aliceOrder.statusHistory[0]!.id },
      { __typename: 'OrderStatusChange', id: bobOrder.statusHistory[0]!.id },
      { __typename: 'User', id: alice.userId },
      { __typename: 'User', id: bob.userId },
    ];
    const ordersOfUser = async (userId: string) =>
      (await orders.db.order.findMany({ where: { userId }, orderBy: { id: 'desc' }, take: 20 })).map(({ id }) => ({ id }));

    it("should resolve a customer's own orders, changes and order list, and another's to null and an empty list", async () => {
      const { _entities } = await ok(orders.as(alice), ENTITIES, { r: representations() });
      expect(_entities).toEqual([
        { id: aliceOrder.id },
        null,
        { id: aliceOrder.statusHistory[0]!.id },
        null,
        { id: alice.userId, orders: await ordersOfUser(alice.userId) },
        { id: bob.userId, orders: [] },
      ]);
    });

    it('should resolve every reference for an administrator', async () => {
      const { _entities } = await ok(orders.admin, ENTITIES, { r: representations() });
      expect(_entities).toEqual([
        { id: aliceOrder.id },
        { id: bobOrder.id },
        { id: aliceOrder.statusHistory[0]!.id },
        { id: bobOrder.statusHistory[0]!.id },
        { id: alice.userId, orders: await ordersOfUser(alice.userId) },
        { id: bob.userId, orders: await ordersOfUser(bob.userId) },
      ]);
    });

    it('should resolve nothing private for an anonymous caller', async () => {
      const { _entities } = await ok(orders.url, ENTITIES, { r: representations() });
      expect(_entities).toEqual([null, null, null, null, { id: alice.userId, orders: [] }, { id: bob.userId, orders: [] }]);
    });

    it('should still load the references of many customers in one batch', async () => {
      const before = await statementCount(orders.url);
      await ok(orders.as(alice), `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id } } }`, {
        r: [aliceOrder.id, bobOrder.id].map((id) => ({ __typename: 'Order', id })),
      });
      expect((await statementCount(orders.url)) - before).toBe(1);
    });
  });
});
