// `npm run bench:subscriptions`: how long an order status change takes from its commit to its
// arrival at subscribers, through the real stack (PostgreSQL, Redis, four subgraph processes, a
// gateway), with 1,000 graphql-ws subscribers (a) spread over 100 orders and (b) all on one order.
//
// Latency = arrival time at the subscriber - `at` of the change (the timestamp written by the
// transaction that committed it). Writes bench/results/subscription-latency.json.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ServiceProcess } from '../shared/process/service-process';
import { ROOT_DIR } from '../shared/paths';
import { percentile } from './support/percentiles';
import { bearer, createDatabases, dropDatabases, request, RUN_ID, startGateway, startSubgraphs } from './support/stack';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1_000);
const ORDERS_SPREAD = 100;
const ROUNDS_ONE_ORDER = Number(process.env.BENCH_ROUNDS ?? 10);
const run = RUN_ID;

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
    const gateway = await startGateway(await startSubgraphs(databases, processes));
    const adminToken = bearer({ userId: randomUUID(), role: 'ADMIN' });
    const api = (query: string, variables: Record<string, unknown> = {}) =>
      request(gateway.url, query, variables, { authorization: adminToken });
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
  const at = (q: number) => percentile(sorted, q);
  return { deliveries: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.at(-1) ?? NaN };
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
