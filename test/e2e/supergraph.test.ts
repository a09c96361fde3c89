// The composed supergraph end to end: four subgraph processes and a gateway process, talking HTTP,
// on this file's own seeded databases.
import { startServiceProcess } from '../../shared/process/service-process';
import { SUBGRAPHS } from '../../shared/services';
import { DEVELOPMENT_INTERNAL_SECRET } from '../../shared/auth/config';
import { DEVELOPMENT_ACCESS_TOKEN_KEY } from '../../shared/auth/signing-keys';
import { customer } from '../support/auth';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { errorCodes, graphql, ok } from '../support/graphql';
import { seedDatabases } from '../support/seed';
import { scrapeMetric, statementCount } from '../support/metrics';
import { startStack, type Stack } from '../support/stack';
import { subscribe } from '../support/subscriptions';
import { reached } from './helpers';

let databases: TestDatabases;
let stack: Stack;

beforeAll(async () => {
  databases = await createTestDatabases();
  await seedDatabases(databases);
  stack = await startStack(databases);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await databases?.drop();
});

const ORDER_FIELDS = /* GraphQL */ `
  id
  status
  total { amount currency }
  user { name email }
  items { quantity unitPrice { amount currency } product { name category { name } } }
  payment { status amount { amount currency } }
`;

describe('supergraph', () => {
  it('should answer the README query with seeded data from all four subgraphs', async () => {
    const data = await ok(
      stack.admin,
      `{ users(first: 3) { edges { node { name orders { status total { amount currency } items { quantity product { name category { name } } } payment { status } } } } } }`,
    );
    // any: the response's shape is what the assertions below check.
    const users = data.users.edges.map((edge: { node: any }) => edge.node);
    expect(users).toHaveLength(3);
    const orders = users.flatMap((user: { orders: any[] }) => user.orders);
    expect(orders.length).toBeGreaterThan(0);
    for (const order of orders) {
      expect(order.total.currency).toBe('USD');
      expect(order.items.length).toBeGreaterThan(0);
      for (const item of order.items) {
        expect(item.product.name).toEqual(expect.any(String));
        expect(item.product.category.name).toEqual(expect.any(String));
      }
    }
    const paid = orders.filter((order: { status: string }) => ['PAID', 'SHIPPED', 'DELIVERED'].includes(order.status));
    for (const order of paid) expect(order.payment.status).toBe('CAPTURED');
  });

  it('should place and pay an order through the gateway, with fields from every subgraph', async () => {
    const { createUser } = await ok(
      stack.admin,
      `mutation { createUser(input: { email: "e2e-buyer@example.com", name: "E2E Buyer" }) { id } }`,
    );
    const buyer = stack.as(customer(createUser.id));
    const { createCategory } = await ok(stack.admin, `mutation { createCategory(name: "E2E Gadgets") { id } }`);
    const { createProduct } = await ok(
      stack.admin,
      `mutation ($categoryId: ID!) { createProduct(input: { sku: "E2E-001", name: "E2E Widget", price: { amount: 1250, currency: "USD" }, categoryId: $categoryId, stock: 5 }) { id } }`,
      { categoryId: createCategory.id },
    );
    // The buyer, signed in, watches, orders and pays for their own order.
    const statuses = await subscribe(buyer, `subscription { orderStatusChanged { orderId to } }`);
    try {
      const { placeOrder } = await ok(
        buyer,
        `mutation ($productId: ID!) { placeOrder(items: [{ productId: $productId, quantity: 3 }]) { id status total { amount currency } } }`,
        { productId: createProduct.id },
      );
      expect(placeOrder).toMatchObject({ status: 'PENDING', total: { amount: 3750, currency: 'USD' } });
      // Stock is reserved by the product subgraph, asynchronously, before the order can be paid.
      await statuses.waitFor(1, reached(placeOrder.id, 'CONFIRMED'));

      const { createPayment } = await ok(
        buyer,
        `mutation ($orderId: ID!) { createPayment(orderId: $orderId, method: BANK_TRANSFER) { status amount { amount currency } order { id } } }`,
        { orderId: placeOrder.id },
      );
      expect(createPayment).toEqual({
        status: 'PENDING',
        amount: { amount: 3750, currency: 'USD' },
        order: { id: placeOrder.id },
      });

      const { order } = await ok(buyer, `query ($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`, {
        id: placeOrder.id,
      });
      expect(order).toEqual({
        id: placeOrder.id,
        status: 'CONFIRMED',
        total: { amount: 3750, currency: 'USD' },
        user: { name: 'E2E Buyer', email: 'e2e-buyer@example.com' },
        items: [
          {
            quantity: 3,
            unitPrice: { amount: 1250, currency: 'USD' },
            product: { name: 'E2E Widget', category: { name: 'E2E Gadgets' } },
          },
        ],
        payment: { status: 'PENDING', amount: { amount: 3750, currency: 'USD' } },
      });
    } finally {
      await statuses.close();
    }
  });

  it('should not let the SQL statement count grow with the number of orders returned', async () => {
    const query = `query ($first: Int!) { orders(first: $first) { edges { node { ${ORDER_FIELDS} } } } }`;
    const countStatements = async (first: number) => {
      const before = await Promise.all(SUBGRAPHS.map((name) => statementCount(stack.subgraphs[name].url)));
      const data = await ok(stack.admin, query, { first });
      expect(data.orders.edges).toHaveLength(first);
      const after = await Promise.all(SUBGRAPHS.map((name) => statementCount(stack.subgraphs[name].url)));
      return Object.fromEntries(SUBGRAPHS.map((name, i) => [name, after[i]! - before[i]!]));
    };
    const ten = await countStatements(10);
    const hundred = await countStatements(100);
    expect(hundred).toEqual(ten);
    // One batched statement per entity type and level, not one per order.
    for (const name of SUBGRAPHS) expect(ten[name]).toBeLessThanOrEqual(3);
  });

  it('should run identical queries of one caller arriving together once, and answer each of them', async () => {
    const query = `{ orders(first: 50) { edges { node { id total { amount } user { name } items { product { name } } } } } }`;
    const joinedBefore = await scrapeMetric(stack.gatewayUrl, 'gateway_coalesced_queries_total');
    const answers = await Promise.all(Array.from({ length: 20 }, () => ok(stack.admin, query)));
    expect(answers[0]?.orders.edges).toHaveLength(50);
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    expect(await scrapeMetric(stack.gatewayUrl, 'gateway_coalesced_queries_total')).toBeGreaterThan(joinedBefore);
  });

  it('should pass coded errors for bad input through the gateway, and never a 500', async () => {
    const cases: [string, string][] = [
      [`mutation { createUser(input: { email: "not-an-email", name: "X" }) { id } }`, 'BAD_USER_INPUT'],
      [`mutation { createUser(input: { email: "customer@shop.example", name: "Twin" }) { id } }`, 'CONFLICT'],
      [`{ product(id: "01920000-0000-7000-8000-000000000000") { id } }`, 'NOT_FOUND'],
      [`{ order(id: "nope") { id } }`, 'BAD_USER_INPUT'],
      [`mutation { placeOrder(userId: "01920000-0000-7000-8000-000000000000", items: []) { id } }`, 'BAD_USER_INPUT'],
      [`{ products(filter: { minPrice: -5 }) { totalCount } }`, 'BAD_USER_INPUT'],
      [`{ users(first: 0) { totalCount } }`, 'BAD_USER_INPUT'],
      [`{ nope }`, 'GRAPHQL_VALIDATION_FAILED'],
    ];
    for (const [query, code] of cases) {
      const response = await graphql(stack.admin, query);
      expect({ query, status: response.status < 500, codes: errorCodes(response) }).toEqual({
        query,
        status: true,
        codes: [code],
      });
      expect(JSON.stringify(response)).not.toMatch(/stacktrace|prisma|SELECT |INSERT /i);
    }
  });

  it('should answer a malformed or oversized request body with a coded JSON error', async () => {
    const post = (body: string) =>
      fetch(stack.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const malformed = await post('{"query": ');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'BAD_REQUEST' } }] });
    const oversized = await post(JSON.stringify({ query: `{ __typename }`, padding: 'x'.repeat(200_000) }));
    expect(oversized.status).toBe(413);
    expect(await oversized.json()).toMatchObject({ errors: [{ extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  });

  it('should serve Apollo Sandbox, introspection and CORS for the hosted Sandbox in development', async () => {
    const page = await fetch(stack.gatewayUrl, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/sandbox/i);
    const schema = await ok(stack.gatewayUrl, `{ __schema { queryType { name } } }`);
    expect(schema.__schema.queryType.name).toBe('Query');

    const preflight = (origin: string) =>
      fetch(stack.gatewayUrl, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const sandbox = await preflight('https://studio.apollographql.com');
    expect(sandbox.headers.get('access-control-allow-origin')).toBe('https://studio.apollographql.com');
    const stranger = await preflight('https://evil.example');
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('should refuse a cross-site simple request (CSRF prevention)', async () => {
    const response = await fetch(`${stack.gatewayUrl}?query=${encodeURIComponent('{ __typename }')}`);
    expect(response.status).toBe(400);
  });

  it('should turn off introspection, suggestions and the landing page in production', async () => {
    const production = await stack.start('gateway', {
      NODE_ENV: 'production',
      INTERNAL_SECRET: 'a-production-internal-secret-of-at-least-32-chars',
    });
    try {
      const introspection = await graphql(
        production.url,
        `
          {
            __schema {
              queryType {
                name
              }
            }
          }
        `,
      );
      expect(errorCodes(introspection)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      const typo = await graphql(
        production.url,
        `
          {
            prodcts {
              totalCount
            }
          }
        `,
      );
      expect(typo.errors?.[0]?.message).not.toMatch(/Did you mean/);
      const page = await fetch(production.url, { headers: { accept: 'text/html' } });
      expect(page.headers.get('content-type')).not.toMatch(/text\/html/);
      const data = await ok(production.url, `{ categories { name } }`);
      expect(data.categories.length).toBeGreaterThan(0);
      // Errors keep their code and message, never a stack trace or a file name.
      const bad = await graphql(
        production.url,
        `
          {
            product(id: "nope") {
              id
            }
          }
        `,
      );
      expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
      expect(JSON.stringify(bad)).not.toMatch(/stacktrace|\.ts:\d+|node_modules/);
    } finally {
      await production.stop();
    }
  });

  it('should refuse to start with a malformed configuration, naming the problem', async () => {
    const failure = await startServiceProcess('user', { env: { USER_DATABASE_URL: 'not a url', PORT: 'eighty' } }).then(
      () => new Error('started'),
      (error: Error) => error,
    );
    expect(failure.message).toMatch(/exited with code 1 before it was ready/);
    expect(failure.message).toMatch(/USER_DATABASE_URL is not a valid URL/);
    expect(failure.message).toMatch(/PORT must be an integer between 0 and 65535, got "eighty"/);
    expect(failure.message).not.toMatch(/\n\s+at /);
  });

  it('should refuse to start in production without secrets of its own', async () => {
    const start = (name: 'gateway' | 'user' | 'order', env: Record<string, string>) =>
      startServiceProcess(name, { env: { NODE_ENV: 'production', ...env } }).then(
        () => new Error('started'),
        (error: Error) => error,
      );
    const missing = await start('user', {});
    expect(missing.message).toMatch(/ACCESS_TOKEN_SIGNING_KEY is required/);
    expect(missing.message).toMatch(/INTERNAL_SECRET is required/);
    const defaults = await start('user', {
      ACCESS_TOKEN_SIGNING_KEY: DEVELOPMENT_ACCESS_TOKEN_KEY,
      INTERNAL_SECRET: DEVELOPMENT_INTERNAL_SECRET,
    });
    expect(defaults.message).toMatch(/ACCESS_TOKEN_SIGNING_KEY must not be the development key in production/);
    expect(defaults.message).toMatch(/INTERNAL_SECRET must not be the development default in production/);
    // The gateway holds no access-token key at all: only the internal secret is asked of it.
    const gateway = await start('gateway', { INTERNAL_SECRET: DEVELOPMENT_INTERNAL_SECRET });
    expect(gateway.message).toMatch(/INTERNAL_SECRET must not be the development default in production/);
    expect(gateway.message).not.toMatch(/ACCESS_TOKEN/);
    const short = await start('order', { INTERNAL_SECRET: 'too-short' });
    expect(short.message).toMatch(/INTERNAL_SECRET must be at least 32 characters in production/);
  });
});
