// `npm run bench:subscriptions`: how long an order status change takes from its commit to its
// arrival at subscribers, through the real stack (PostgreSQL, Redis, four subgraph processes, a
// gateway), with 1,000 graphql-ws subscribers (a) spread over 100 orders and (b) all on one order.
//
// Latency = arrival time at the subscriber - `at` of the change (the timestamp written by the
// transaction that committed it). Writes bench/results/subscription-latency.json.
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { Worker } from 'node:worker_threads';
import { signAccessToken } from '../shared/auth/access-token';
import { readAccessTokenConfig } from '../shared/auth/config';
import type { Identity } from '../shared/auth/identity';
import { EnvReader } from '../shared/config';
import { applyMigrations } from '../shared/db/migrations';
import { startServiceProcess, type ServiceProcess } from '../shared/process/service-process';
import { ROOT_DIR } from '../shared/paths';
import { databaseUrlVar, subgraphUrlVar, SUBGRAPHS, type SubgraphName } from '../shared/services';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1_000);
const ORDERS_SPREAD = 100;
const ROUNDS_ONE_ORDER = Number(process.env.BENCH_ROUNDS ?? 10);
const ADMIN_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = randomBytes(3).toString('hex');

const SUBSCRIPTION = /* GraphQL */ `
  subscription Watch($id: ID) {
    orderStatusChanged(orderId: $id) {
      orderId
      to
      version
      at
      order {
        total {
          amount
        }
        user {
          name
        }
      }
    }
  }
`;

async function main(): Promise<void> {
  const databases = await createDatabases();
  const processes: ServiceProcess[] = [];
  try {
    const gateway = await startStack(databases, processes);
    const adminToken = bearer({ userId: randomUUID(), role: 'ADMIN' });
    const api = (query: string, variables: Record<string, unknown> = {}) => request(gateway.url, query, variables, adminToken);
    const userId = (await api(`mutation { createUser(input: { email: "bench-${run}@example.com", name: "Bench" }) { id } }`))
      .createUser.id;
    const categoryId = (await api(`mutation { createCategory(name: "Bench ${run}") { id } }`)).createCategory.id;
    const productId = (
      await api(
        `mutation ($c: ID!) { createProduct(input: { sku: "BENCH-${run.toUpperCase()}", name: "Bench item", price: { amount: 999, currency: "USD" }, categoryId: $c, stock: 1000000 }) { id } }`,
        { c: categoryId },
      )
    ).createProduct.id;

    const spread = await measure(
      '1,000 subscribers over 100 orders',
      gateway.url,
      ORDERS_SPREAD,
      (i, orders) => orders[i % orders.length]!,
      { api, userId, productId },
    );
    const single: number[] = [];
    for (let round = 0; round < ROUNDS_ONE_ORDER; round += 1) {
      single.push(
        ...(await measure(`1,000 subscribers on one order (round ${round + 1})`, gateway.url, 1, (_, orders) => orders[0]!, {
          api,
          userId,
          productId,
        })),
      );
    }
    const results = {
      date: new Date().toISOString(),
      node: process.version,
      subscribers: SUBSCRIBERS,
      spreadOverOrders: summarize(spread),
      allOnOneOrder: summarize(single),
    };
    writeFileSync(path.join(ROOT_DIR, 'bench/results/subscription-latency.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(JSON.stringify(results, null, 2));
  } finally {
    await Promise.all(processes.map((process) => process.stop()));
    await dropDatabases(databases);
  }
}

interface Api {
  api: (query: string, variables?: Record<string, unknown>) => Promise<any>;
  userId: string;
  productId: string;
}

/**
 * Places `orderCount` orders and waits until they are CONFIRMED, subscribes SUBSCRIBERS clients
 * (subscriber i watches pick(i, orders)), then drives every order through PAID, SHIPPED and
 * DELIVERED and collects each delivery's latency.
 */
async function measure(
  label: string,
  gatewayUrl: string,
  orderCount: number,
  pick: (i: number, orders: string[]) => string,
  { api, userId, productId }: Api,
): Promise<number[]> {
  const orders: string[] = [];
  for (let i = 0; i < orderCount; i += 1) {
    orders.push(
      (
        await api(`mutation ($u: ID!, $p: ID!) { placeOrder(userId: $u, items: [{ productId: $p, quantity: 1 }]) { id } }`, {
          u: userId,
          p: productId,
        })
      ).placeOrder.id,
    );
  }
  await waitForStatus(api, orders, 'CONFIRMED');

  const watched = Array.from({ length: SUBSCRIBERS }, (_, i) => pick(i, orders));
  // Subscribers are the customer who placed the orders, as in real life.
  const subscribers = await startSubscribers(gatewayUrl, watched, bearer({ userId, role: 'CUSTOMER' }));
  const started = Date.now();
  for (const orderId of orders) {
    await api(
      `mutation ($o: ID!, $k: String!) { payForOrder(orderId: $o, method: CARD, idempotencyKey: $k, paymentToken: "tok_visa") { id } }`,
      { o: orderId, k: `bench-${orderId}` },
    );
  }
  // Capture → event → PAID happens asynchronously; the subscribers say when every PAID arrived.
  await subscribers.arrived('PAID', watched.length);
  for (const status of ['SHIPPED', 'DELIVERED']) {
    for (const orderId of orders)
      await api(`mutation ($o: ID!, $s: OrderStatus!) { updateOrderStatus(id: $o, status: $s) { id } }`, {
        o: orderId,
        s: status,
      });
  }
  await subscribers.arrived('DELIVERED', watched.length);
  const latencies = await subscribers.finish();
  const summary = summarize(latencies);
  console.log(
    `${label}: ${latencies.length} deliveries in ${Date.now() - started} ms, p50 ${summary.p50} ms, p99 ${summary.p99} ms`,
  );
  return latencies;
}

const THREADS = Number(process.env.BENCH_THREADS ?? 1);

/** Subscribers spread over worker threads; resolves once every subscription is registered. */
async function startSubscribers(gatewayUrl: string, watched: string[], authorization: string) {
  const shares = Array.from({ length: THREADS }, (_, t) => watched.filter((_, i) => i % THREADS === t));
  const counts = new Map<string, number>();
  const waiters: (() => void)[] = [];
  const workers = shares.map(
    (share) =>
      // Worker threads do not inherit tsx's loader: the worker registers it, then loads the script.
      new Worker(`require('tsx/cjs'); require(${JSON.stringify(path.join(__dirname, 'subscriber-worker.ts'))});`, {
        eval: true,
        workerData: { gatewayUrl, authorization, query: SUBSCRIPTION, watched: share },
      }),
  );
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          worker.on('error', reject);
          worker.on('message', (message: { type: string; to?: string; message?: string }) => {
            if (message.type === 'ready') resolve();
            if (message.type === 'error') console.error('subscription error', message.message);
            if (message.type === 'arrived' && message.to) {
              counts.set(message.to, (counts.get(message.to) ?? 0) + 1);
              for (const wake of waiters.splice(0)) wake();
            }
          });
        }),
    ),
  );
  return {
    arrived: (to: string, count: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${counts.get(to) ?? 0}/${count} ${to} deliveries after 60 s`)), 60_000);
        const check = () => {
          if ((counts.get(to) ?? 0) >= count) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      }),
    finish: async () => {
      const parts = await Promise.all(
        workers.map(
          (worker) =>
            new Promise<number[]>((resolve) => {
              worker.on('message', (message: { type: string; latencies?: number[] }) => {
                if (message.type === 'latencies') resolve(message.latencies ?? []);
              });
              worker.postMessage({ type: 'finish' });
            }),
        ),
      );
      await Promise.all(workers.map((worker) => worker.terminate()));
      return parts.flat();
    },
  };
}

async function waitForStatus(api: Api['api'], orders: string[], status: string): Promise<void> {
  // Before the subscribers exist, the only way to know: ask (not during the measured window).
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const statuses = await Promise.all(
      orders.map(async (id) => (await api(`query ($id: ID!) { order(id: $id) { status } }`, { id })).order.status),
    );
    if (statuses.every((s) => s === status)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`orders did not all become ${status}`);
}

function summarize(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { deliveries: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.at(-1) ?? NaN };
}

// The stack runs in production mode, which refuses the development secrets: a run makes its own.
const SECRETS = { JWT_SECRET: randomBytes(32).toString('hex'), INTERNAL_SECRET: randomBytes(32).toString('hex') };

/** An Authorization header value for `identity`, valid for the whole run. */
function bearer(identity: Identity): string {
  const config = readAccessTokenConfig(new EnvReader({ NODE_ENV: 'production', ...SECRETS }));
  return `Bearer ${signAccessToken(identity, { ...config, accessTokenTtlSeconds: 6 * 60 * 60 }).token}`;
}

async function request(url: string, query: string, variables: Record<string, unknown>, authorization: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ query, variables }),
  });
  // any: the bench reads a few known fields out of each response.
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  if (body.errors?.length) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function createDatabases(): Promise<Record<SubgraphName, string>> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const urls = {} as Record<SubgraphName, string>;
  try {
    for (const name of SUBGRAPHS) {
      const database = `shop_bench_${run}_${name}`;
      await admin.query(`CREATE DATABASE "${database}"`);
      const url = new URL(ADMIN_URL);
      url.pathname = `/${database}`;
      urls[name] = url.toString();
      await applyMigrations(name, urls[name]);
    }
  } finally {
    await admin.end();
  }
  return urls;
}

async function dropDatabases(urls: Record<SubgraphName, string>): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    for (const url of Object.values(urls))
      await admin.query(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

async function startStack(databases: Record<SubgraphName, string>, processes: ServiceProcess[]): Promise<ServiceProcess> {
  const env = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    REDIS_URL,
    EVENTS_PREFIX: `bench:${run}:`,
    // 1,000 sockets and thousands of operations from one address and one user, on purpose.
    RATE_LIMIT_IP_PER_MINUTE: '0',
    RATE_LIMIT_USER_PER_MINUTE: '0',
    ...SECRETS,
  };
  const urls: Record<string, string> = {};
  const start = async (name: SubgraphName | 'gateway') => {
    const service = await startServiceProcess(name, {
      env: { ...env, ...urls, ...(name !== 'gateway' && { [databaseUrlVar(name)]: databases[name] }) },
      onOutput: (chunk) => process.stderr.write(`[${name}] ${chunk}`),
      // BENCH_PROFILE=<dir>: every service writes a CPU profile there when it stops (open in Chrome DevTools).
      nodeFlags: process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [],
    });
    processes.push(service);
    if (name !== 'gateway') urls[subgraphUrlVar(name)] = service.url;
    return service;
  };
  await start('user');
  await start('product');
  await start('order');
  await start('payment');
  return start('gateway');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
