// `npm start`, the README's one command, as a developer runs it: on a bare machine (no database
// URLs, no REDIS_URL) it serves the seeded supergraph from embedded databases with the
// in-process event bus, subscriptions included, stops cleanly and starts again on the same data;
// with URLs and REDIS_URL set it uses those servers instead.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServiceProcess, type ServiceProcess } from '../../shared/process/service-process';
import { databaseUrlVar, SUBGRAPHS } from '../../shared/services';
import { DEMO_ACCOUNTS } from '../../prisma/seed/demo-accounts';
import { createTestDatabases } from '../support/databases';
import { TEST_EVENTS_PREFIX, TEST_REDIS_URL } from '../support/events';
import { ok, type Endpoint } from '../support/graphql';
import { describeWithServers } from '../support/requirements';
import { subscribe } from '../support/subscriptions';
import { ADMIN, as } from '../support/auth';
import { createProduct } from './helpers';

/** No server configured: what a fresh clone on a bare machine has. */
const BARE = {
  ...Object.fromEntries(SUBGRAPHS.map((name) => [databaseUrlVar(name), ''])),
  REDIS_URL: '',
  EVENT_BUS: '',
  LOG_LEVEL: 'warn',
  PORT: '0',
};

const LOGIN = `mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken user { id } } }`;
const CATALOGUE = `{ products(first: 20) { edges { node { id name stock price { amount currency } } } } }`;
const PLACE = `mutation ($items: [OrderItemInput!]!) { placeOrder(items: $items) { id status } }`;
const WATCH = `subscription ($orderId: ID) { orderStatusChanged(orderId: $orderId) { orderId from to order { user { name } } } }`;
const ORDER = `query ($id: ID!) { order(id: $id) { id status } }`;

// Each test starts the whole supergraph at least once; a cold start migrates and seeds too.
jest.setTimeout(120_000);

let dataDir: string;
let running: ServiceProcess | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'shop-start-test-'));
});

afterAll(async () => {
  await running?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function start(env: Record<string, string>): Promise<ServiceProcess> {
  running = await startServiceProcess('supergraph', { env, readyTimeoutMs: 90_000 });
  return running;
}

/** SIGTERM, as Ctrl-C or an orchestrator sends it; resolves with the exit code. */
async function stop(supergraph: ServiceProcess): Promise<number | null> {
  const code = await supergraph.stop('SIGTERM');
  running = undefined;
  return code;
}

async function signIn(gateway: string, account: { email: string; password: string }): Promise<Endpoint> {
  const { login } = await ok(gateway, LOGIN, { email: account.email, password: account.password });
  return { url: gateway, headers: { authorization: `Bearer ${login.accessToken}` } };
}

describe('npm start on a bare machine', () => {
  let orderId: string;

  it('should migrate and seed embedded databases, then serve the supergraph and announce where', async () => {
    const supergraph = await start({ ...BARE, DATA_DIR: dataDir });
    const output = supergraph.output();
    for (const name of SUBGRAPHS)
      expect(output).toMatch(new RegExp(`${name} +embedded PostgreSQL in .*: created, \\d+ migration`));
    expect(output).toMatch(/Seeded 60 users, 9 categories, 300 products/);
    expect(output).toContain('one process, in-process event bus');
    expect(output).toMatch(/GraphQL \(HTTP\) +http:\/\/localhost:\d+\/graphql/);
    expect(output).toMatch(
      /Subscriptions +ws:\/\/localhost:\d+\/graphql {2}\(graphql-ws\)\n +http:\/\/localhost:\d+\/graphql {2}\(graphql-sse, Apollo multipart\)/,
    );
    expect(output).toContain(`${DEMO_ACCOUNTS.customer.email} / ${DEMO_ACCOUNTS.customer.password}`);

    const catalogue = await ok(supergraph.url, CATALOGUE);
    expect(catalogue.products.edges).toHaveLength(20);

    // The storefront, built when missing or stale, on the gateway's own origin.
    expect(output).toMatch(/Storefront +http:\/\/localhost:\d+\/ /);
    const storefront = await fetch(new URL('/', supergraph.url), { headers: { accept: 'text/html' } });
    expect(storefront.status).toBe(200);
    expect(await storefront.text()).toContain('<div id="root">');
  });

  it('should deliver a status change caused by a mutation to a subscriber, through the in-process bus', async () => {
    const gateway = running!.url;
    const customer = await signIn(gateway, DEMO_ACCOUNTS.customer);
    const { products } = await ok(gateway, CATALOGUE);
    const product = products.edges
      .map((edge: { node: { id: string; stock: number } }) => edge.node)
      .find((node: { stock: number }) => node.stock > 0);
    const watch = await subscribe(customer, WATCH);
    try {
      const { placeOrder } = await ok(customer, PLACE, { items: [{ productId: product.id, quantity: 1 }] });
      orderId = placeOrder.id;
      expect(placeOrder.status).toBe('PENDING');
      // The product subgraph reserves the stock on OrderCreated; the order subgraph confirms on
      // StockReserved; the gateway resolves the change for its subscriber.
      const [confirmed] = await watch.waitFor(1, (result) => {
        const change = result.data?.orderStatusChanged;
        return change?.orderId === orderId && change.to === 'CONFIRMED';
      });
      expect(confirmed?.data?.orderStatusChanged).toMatchObject({
        orderId,
        from: 'PENDING',
        order: { user: { name: expect.any(String) } },
      });
    } finally {
      await watch.close();
    }
  });

  it('should stop cleanly on SIGTERM and start again on the same data without seeding twice', async () => {
    const first = running!;
    expect(await stop(first)).toBe(0);
    expect(first.output()).toContain('stopped cleanly');

    const again = await start({ ...BARE, DATA_DIR: dataDir });
    expect(again.output()).toContain('Seed skipped: the user database already has 60 users');
    for (const name of SUBGRAPHS) expect(again.output()).toMatch(new RegExp(`${name} +embedded PostgreSQL in .*: up to date`));
    const customer = await signIn(again.url, DEMO_ACCOUNTS.customer);
    expect((await ok(customer, ORDER, { id: orderId })).order).toEqual({ id: orderId, status: 'CONFIRMED' });
    expect(await stop(again)).toBe(0);
  });
});

describeWithServers('npm start with database URLs and REDIS_URL set', () => {
  it('should run each service as its own process on those servers', async () => {
    const databases = await createTestDatabases();
    try {
      const urls = Object.fromEntries(SUBGRAPHS.map((name) => [databaseUrlVar(name), databases[name]]));
      const supergraph = await start({
        ...BARE,
        ...urls,
        REDIS_URL: TEST_REDIS_URL,
        EVENTS_PREFIX: TEST_EVENTS_PREFIX,
        DATA_DIR: dataDir,
        // Seeding is the bare-machine test's; here it would only load the machine.
        SEED: 'off',
      });
      const output = supergraph.output();
      for (const name of SUBGRAPHS) expect(output).toMatch(new RegExp(`${name} +PostgreSQL at 127\\.0\\.0\\.1:5432/`));
      expect(output).toContain('one process each, Redis');
      const product = await createProduct(as(ADMIN, supergraph.url, 'gateway'));
      expect((await ok(supergraph.url, CATALOGUE)).products.edges).toEqual([{ node: expect.objectContaining({ id: product }) }]);
      expect(await stop(supergraph)).toBe(0);
    } finally {
      await databases.drop();
    }
  });
});
