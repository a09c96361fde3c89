// A subgraph that is down or hangs degrades the answer, not the gateway: the fields it owns come
// back null with a SERVICE_UNAVAILABLE error and the rest of the query still answers; its circuit
// opens, so further calls fail at once; and when it is back, the same gateway process serves it
// again without a restart. Real processes: the product subgraph is stopped and started again. A
// mutation that is slow because of what it waits for does not open the circuit for the rest.
import pg from 'pg';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { graphql, ok, type Endpoint, type GraphQLResponse } from '../support/graphql';
import { scrapeMetric } from '../support/metrics';
import { describeWithRedis, describeWithServers } from '../support/requirements';
import { startStack, type Stack } from '../support/stack';
import { pollUntil } from '../support/poll';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { ADMIN, as } from '../support/auth';
import { localGraphQLUrl } from '../../shared/services';
import type { ServiceProcess } from '../../shared/process/service-process';
import { createBuyer, createProduct, placeOrder } from './helpers';

const RESET_MS = 500;

let databases: TestDatabases;
let stack: Stack;
let orderId: string;

beforeAll(async () => {
  databases = await createTestDatabases();
  stack = await startStack(databases, {
    // Every read goes to the product subgraph: the gateway's entity cache would otherwise answer
    // for it while it is down (which it does in production, and is not what is tested here).
    env: { ENTITY_CACHE: 'off', CIRCUIT_BREAKER_FAILURES: '2', CIRCUIT_BREAKER_RESET_MS: String(RESET_MS) },
  });
  const buyer = await createBuyer(stack.admin, { name: 'Outage Buyer' });
  orderId = await placeOrder(stack.admin, buyer, await createProduct(stack.admin, { name: 'Outage Widget' }));
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await databases?.drop();
});

const ORDER = `query OrderDuringOutage($id: ID!) {
  order(id: $id) { id status user { name } items { productName quantity product { name } } }
}`;

const readOrder = (gateway: Endpoint) => graphql(gateway, ORDER, { id: orderId });

/** The fields the product subgraph owns are null, everything else answered, and why is coded. */
function expectProductFieldsMissing(response: GraphQLResponse, reason: RegExp): void {
  expect(response.status).toBe(200);
  expect(response.data?.order).toMatchObject({
    id: orderId,
    user: { name: 'Outage Buyer' },
    items: [{ productName: 'Outage Widget', quantity: 1, product: null }],
  });
  expect(response.errors?.length).toBeGreaterThan(0);
  for (const error of response.errors ?? []) {
    expect(error.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', service: 'product' });
    expect(error.message).toMatch(reason);
  }
}

/** Reads until the product's name is back; the circuit lets a probe through after RESET_MS. */
const readUntilRecovered = (gateway: Endpoint): Promise<GraphQLResponse> =>
  pollUntil(
    () => readOrder(gateway),
    (response) => response.data?.order?.items?.[0]?.product?.name === 'Outage Widget',
    { timeoutMs: 20_000, intervalMs: RESET_MS / 5 },
  );

describeWithRedis('a subgraph outage', () => {
  it('should answer without the stopped subgraph, fail fast once its circuit opens, and recover when it returns', async () => {
    const gateway = stack.gateways[0]!;
    const { port } = stack.subgraphs.product;
    expect((await readOrder(stack.admin)).data?.order.items[0].product).toEqual({ name: 'Outage Widget' });

    expect(await stack.subgraphs.product.stop()).toBe(0);
    expectProductFieldsMissing(await readOrder(stack.admin), /unreachable/);

    // The refused connection was retried once (the request never arrived): two failures in a
    // row, CIRCUIT_BREAKER_FAILURES=2, so the circuit is open and the gateway no longer even tries.
    expectProductFieldsMissing(await readOrder(stack.admin), /circuit open/);
    expect(await scrapeMetric(gateway.url, 'circuit_breaker_state', { subgraph: 'product' })).toBe(2);
    expect(
      await scrapeMetric(gateway.url, 'subgraph_fetch_errors_total', { subgraph: 'product', reason: 'circuit open' }),
    ).toBeGreaterThanOrEqual(1);

    await stack.start('product', { PORT: String(port) });
    const recovered = await readUntilRecovered(stack.admin);
    expect(recovered.errors).toBeUndefined();
    expect(recovered.data?.order.items[0].product).toEqual({ name: 'Outage Widget' });
    expect(await scrapeMetric(gateway.url, 'circuit_breaker_state', { subgraph: 'product' })).toBe(0);
    // The same gateway process all along.
    expect(gateway.child.exitCode).toBeNull();
  }, 60_000);

  describe('when the subgraph hangs', () => {
    let proxy: TcpProxy;
    let slowGateway: ServiceProcess;

    beforeAll(async () => {
      proxy = await startTcpProxy({ host: '127.0.0.1', port: stack.subgraphs.product.port });
      slowGateway = await stack.start('gateway', {
        PRODUCT_SUBGRAPH_URL: localGraphQLUrl(proxy.port),
        SUBGRAPH_TIMEOUT_MS: '1000',
      });
    }, 60_000);

    afterAll(async () => {
      await proxy?.close();
    });

    it('should time the subgraph out, answer the rest, and serve it again once it answers', async () => {
      const gateway = as(ADMIN, slowGateway.url, 'gateway');
      // Recovered from the outage above (its circuit is per gateway process: this one is new).
      expect((await readUntilRecovered(gateway)).data?.order.items[0].product).toEqual({ name: 'Outage Widget' });

      proxy.stall();
      const started = performance.now();
      expectProductFieldsMissing(await readOrder(gateway), /timed out/);
      // Bounded by SUBGRAPH_TIMEOUT_MS (one attempt: a timed-out call is never retried).
      expect(performance.now() - started).toBeLessThan(5_000);

      proxy.restore();
      expect((await readUntilRecovered(gateway)).data?.order.items[0].product).toEqual({ name: 'Outage Widget' });
    }, 60_000);
  });
});

describeWithServers('a mutation slower than the timeout', () => {
  it('should time it out without opening the circuit for the rest, and send it once', async () => {
    const gateway = await stack.start('gateway', { SUBGRAPH_TIMEOUT_MS: '1000' });
    const endpoint = as(ADMIN, gateway.url, 'gateway');
    const productId = await createProduct(stack.admin, { stock: 10, name: 'Locked Widget' });
    const ADJUST = `mutation ($id: ID!) { adjustStock(id: $id, delta: 1) { stock } }`;
    const stock = async () =>
      (await ok(stack.admin, `query ($id: ID!) { product(id: $id) { stock } }`, { id: productId })).product.stock as number;

    // What the mutations wait for: the product's row, locked as a long transaction would.
    const lock = new pg.Client({ connectionString: databases.product });
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query('SELECT 1 FROM products WHERE id = $1 FOR UPDATE', [productId]);
      // CIRCUIT_BREAKER_FAILURES is 2: three timeouts that counted would open the circuit.
      for (let i = 0; i < 3; i += 1) {
        const response = await graphql(endpoint, ADJUST, { id: productId });
        expect(response.errors?.[0]).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE', service: 'product' } });
        expect(response.errors?.[0]?.message).toMatch(/timed out/);
      }
      expect(await scrapeMetric(gateway.url, 'circuit_breaker_state', { subgraph: 'product' })).toBe(0);
      const read = await graphql(
        endpoint,
        `
          query ($id: ID!) {
            product(id: $id) {
              name
            }
          }
        `,
        { id: productId },
      );
      expect(read).toEqual({ status: 200, data: { product: { name: 'Locked Widget' } } });
      expect(await stock()).toBe(10);
    } finally {
      await lock.query('COMMIT');
      await lock.end();
    }
    // Each timed-out mutation was delivered once and commits once the lock is gone; none was resent.
    expect(await pollUntil(stock, (value) => value === 13, { timeoutMs: 10_000 })).toBe(13);
  }, 60_000);
});
