import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { errorCodes, graphql, ok, type GraphQLResponse } from '../support/graphql';
import { statementCount } from '../support/metrics';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraphs';
import { orderSubgraph } from '../../subgraphs/order/server';
import { productSubgraph } from '../../subgraphs/product/server';
import { userSubgraph } from '../../subgraphs/user/server';
import type { Db as OrderDb } from '../../subgraphs/order/db';
import type { SubgraphDb } from '../../shared/server/run-subgraph';

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
    startTestSubgraph(productSubgraph, databases.product),
  ]);
  started.push(users, products);
  orders = await startOrderSubgraph();
  const { createCategory } = await ok(products.url, `mutation { createCategory(name: "Order test goods") { id } }`);
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
  const { createUser } = await ok(
    users.url,
    `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`,
    { input: { email: `buyer${counter}@example.com`, name: `Buyer ${counter}` } },
  );
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
    products.url,
    `mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }`,
    { input: buildProductInput(overrides) },
  );
  return createProduct.id;
}

const ORDER_FIELDS = `
  id status createdAt updatedAt
  user { id }
  total { amount currency }
  items { id product { id } productName quantity unitPrice { amount currency } lineTotal { amount currency } }
`;

const PLACE = `mutation ($userId: ID!, $items: [OrderItemInput!]!) { placeOrder(userId: $userId, items: $items) { ${ORDER_FIELDS} } }`;
const UPDATE_STATUS = `mutation ($id: ID!, $status: OrderStatus!) { updateOrderStatus(id: $id, status: $status) { id status updatedAt } }`;
const ORDER = `query ($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`;

type Items = { productId: string; quantity: number }[];

function placeOrder(userId: string, items: Items, url = orders.url): Promise<GraphQLResponse> {
  return graphql(url, PLACE, { userId, items });
}

async function placeOrderOk(userId: string, items: Items) {
  const { placeOrder: order } = await ok(orders.url, PLACE, { userId, items });
  return order;
}

async function setStatus(id: string, status: string) {
  return (await ok(orders.url, UPDATE_STATUS, { id, status })).updateOrderStatus;
}

async function rowCounts() {
  return { orders: await orders.db.order.count(), items: await orders.db.orderItem.count() };
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

    expect(order).toMatchObject({ status: 'PENDING', user: { id: userId }, total: { amount: 4498, currency: 'EUR' } });
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
        expect.objectContaining({ product: { id: spoon }, productName: 'Spoon', quantity: 1, lineTotal: { amount: 500, currency: 'EUR' } }),
      ]),
    );
    const { order: reread } = await ok(orders.url, ORDER, { id: order.id });
    expect(reread).toEqual(order);
  });

  it('should keep the name and price of the moment the order was placed when the product changes later', async () => {
    const userId = await createUser();
    const productId = await createProduct({ name: 'Kettle', price: { amount: 3000, currency: 'EUR' } });
    const placed = await placeOrderOk(userId, [{ productId, quantity: 3 }]);

    await ok(
      products.url,
      `mutation ($id: ID!) { updateProduct(id: $id, input: { name: "Kettle Pro", price: { amount: 4500, currency: "EUR" } }) { id } }`,
      { id: productId },
    );

    const { order } = await ok(orders.url, ORDER, { id: placed.id });
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
        return { userId: await createUser(), items: [{ productId: a, quantity: 1 }, { productId: b, quantity: 0 }] };
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
        return { userId: await createUser(), items: [{ productId, quantity: 600 }, { productId, quantity: 600 }] };
      },
      'items[1].quantity',
    ],
    [
      'a malformed product id',
      async () => {
        const [a, b] = [await createProduct(), await createProduct()];
        const items = [{ productId: a, quantity: 1 }, { productId: b, quantity: 1 }, { productId: 'nope', quantity: 1 }];
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
        return { userId: await createUser(), items: [{ productId: euro, quantity: 1 }, { productId: dollar, quantity: 1 }] };
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

  it.each(badInputs)('should reject %s with BAD_USER_INPUT naming the field, writing nothing', async (_, build, field) => {
    const { userId, items } = await build();
    const response = await expectNothingWritten(() => placeOrder(userId, items));
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.extensions?.field).toBe(field);
  });

  it('should answer NOT_FOUND for a user that does not exist, writing nothing', async () => {
    const productId = await createProduct();
    const response = await expectNothingWritten(() => placeOrder(UNKNOWN_ID, [{ productId, quantity: 1 }]));
    expect(errorCodes(response)).toEqual(['NOT_FOUND']);
    expect(response.errors?.[0]?.extensions).toMatchObject({ type: 'User', id: UNKNOWN_ID });
  });

  it('should answer NOT_FOUND naming a product that does not exist, writing nothing', async () => {
    const [userId, known] = [await createUser(), await createProduct()];
    const response = await expectNothingWritten(() =>
      placeOrder(userId, [{ productId: known, quantity: 1 }, { productId: UNKNOWN_ID, quantity: 2 }]),
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

      const response = await expectNothingWritten(() => placeOrder(userId, [{ productId, quantity: 1 }], cutOff.url));

      expect(errorCodes(response)).toEqual(['SERVICE_UNAVAILABLE']);
      expect(response.errors?.[0]?.extensions?.service).toBe(service);
      expect(response.errors?.[0]?.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    },
  );
});

describe('updateOrderStatus', () => {
  async function newOrder() {
    return placeOrderOk(await createUser(), [{ productId: await createProduct(), quantity: 1 }]);
  }

  it('should follow the lifecycle from PENDING to DELIVERED, touching updatedAt', async () => {
    const order = await newOrder();
    let previous = order.updatedAt;
    for (const status of ['CONFIRMED', 'PAYMENT_FAILED', 'PAID', 'SHIPPED', 'DELIVERED']) {
      const updated = await setStatus(order.id, status);
      expect(updated.status).toBe(status);
      expect(new Date(updated.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(previous).getTime());
      previous = updated.updatedAt;
    }
    expect((await orders.db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe('DELIVERED');
  });

  it.each([
    [['CANCELLED'], 'PENDING'],
    [['CONFIRMED'], 'PENDING'],
    [[], 'SHIPPED'],
    [[], 'PENDING'],
    [['CONFIRMED', 'PAID', 'SHIPPED', 'DELIVERED'], 'CANCELLED'],
    [['FAILED'], 'CONFIRMED'],
  ])('should reject moving an order through %j then to %s with CONFLICT, changing nothing', async (path, to) => {
    const order = await newOrder();
    for (const status of path) await setStatus(order.id, status);
    const from = path.at(-1) ?? 'PENDING';
    const before = await orders.db.order.findUniqueOrThrow({ where: { id: order.id } });

    const response = await graphql(orders.url, UPDATE_STATUS, { id: order.id, status: to });

    expect(errorCodes(response)).toEqual(['CONFLICT']);
    expect(response.errors?.[0]?.extensions).toMatchObject({ from, to });
    expect(await orders.db.order.findUniqueOrThrow({ where: { id: order.id } })).toEqual(before);
  });

  it('should let exactly one of two concurrent, mutually exclusive transitions win', async () => {
    const order = await newOrder();
    const responses = await Promise.all(
      ['CONFIRMED', 'FAILED'].map((status) => graphql(orders.url, UPDATE_STATUS, { id: order.id, status })),
    );
    const winners = responses.filter((response) => !response.errors);
    expect(winners).toHaveLength(1);
    expect(responses.flatMap(errorCodes)).toEqual(['CONFLICT']);
    const stored = await orders.db.order.findUniqueOrThrow({ where: { id: order.id } });
    expect(stored.status).toBe(winners[0]?.data?.updateOrderStatus.status);
  });

  it('should answer NOT_FOUND for an unknown order and BAD_USER_INPUT for a malformed id', async () => {
    const unknown = await graphql(orders.url, UPDATE_STATUS, { id: UNKNOWN_ID, status: 'CONFIRMED' });
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    const malformed = await graphql(orders.url, UPDATE_STATUS, { id: 'x', status: 'CONFIRMED' });
    expect(errorCodes(malformed)).toEqual(['BAD_USER_INPUT']);
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
    expect(errorCodes(await graphql(orders.url, ORDER, { id: UNKNOWN_ID }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await graphql(orders.url, ORDER, { id: "1' OR '1'='1" }))).toEqual(['BAD_USER_INPUT']);
  });

  it("should page through a user's orders newest first, without gaps or repeats", async () => {
    const { userId, ids } = await ordersOf(5);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const { orders: page }: { orders: any } = await ok(orders.url, LIST, { filter: { userId }, first: 2, after });
      expect(page.totalCount).toBe(5);
      expect(page.edges.length).toBeLessThanOrEqual(2);
      seen.push(...page.edges.map((edge: { node: { id: string } }) => edge.node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual([...ids].reverse());
  });

  it('should filter by status and user, counting only matching orders', async () => {
    const { userId, ids } = await ordersOf(3);
    await setStatus(ids[1]!, 'CANCELLED');
    const { orders: cancelled } = await ok(orders.url, LIST, { filter: { userId, status: 'CANCELLED' } });
    expect(cancelled.totalCount).toBe(1);
    expect(cancelled.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([ids[1]]);

    const { orders: everyone } = await ok(orders.url, LIST, { filter: { status: 'PENDING' }, first: 100 });
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
      const response = await graphql(orders.url, LIST, variables);
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors?.[0]?.extensions?.field).toBe(field);
    }
  });

  const USER_ORDERS = `query ($r: [_Any!]!, $status: OrderStatus, $first: Int) {
    _entities(representations: $r) { ... on User { id orders(status: $status, first: $first) { id status } } }
  }`;

  it("should resolve a user's orders newest first, limited by first and filtered by status", async () => {
    const { userId, ids } = await ordersOf(4);
    await setStatus(ids[0]!, 'CONFIRMED');
    await setStatus(ids[2]!, 'CONFIRMED');
    const representations = [{ __typename: 'User', id: userId }, { __typename: 'User', id: UNKNOWN_ID }];

    const { _entities: latest } = await ok(orders.url, USER_ORDERS, { r: representations, first: 3 });
    expect(latest[0].orders.map((order: { id: string }) => order.id)).toEqual([ids[3], ids[2], ids[1]]);
    expect(latest[1]).toEqual({ id: UNKNOWN_ID, orders: [] });

    const { _entities: confirmed } = await ok(orders.url, USER_ORDERS, { r: representations, status: 'CONFIRMED' });
    expect(confirmed[0].orders).toEqual([
      { id: ids[2], status: 'CONFIRMED' },
      { id: ids[0], status: 'CONFIRMED' },
    ]);

    const tooMany = await graphql(orders.url, USER_ORDERS, { r: representations, first: 101 });
    expect(errorCodes(tooMany)).toContain('BAD_USER_INPUT');
  });

  it('should resolve order references, and unknown or malformed ones to null', async () => {
    const { ids } = await ordersOf(2);
    const { _entities } = await ok(
      orders.url,
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
        id total { amount }
        items { product { id } quantity lineTotal { amount } }
        user { id orders(first: 3) { id items { id } } }
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
    return created.map(({ id }) => id);
  }

  async function statementsFor(ids: string[]): Promise<number> {
    const before = await statementCount(orders.url);
    const { _entities } = await ok(orders.url, DEEP, { r: ids.map((id) => ({ __typename: 'Order', id })) });
    expect(_entities).toHaveLength(ids.length);
    expect(_entities.every((order: { items: unknown[]; user: { orders: unknown[] } }) => order.items.length === 2 && order.user.orders.length > 0)).toBe(true);
    return (await statementCount(orders.url)) - before;
  }

  it('should resolve 5 or 40 orders with items and their users\' orders in the same number of statements', async () => {
    const few = await statementsFor(await seedOrders(5, 2));
    const many = await statementsFor(await seedOrders(40, 10));
    expect(many).toBe(few);
    // Orders, their items, each user's ranked order ids, those orders, and their items.
    expect(few).toBeLessThanOrEqual(5);
  });
});
