// `npm run bench:router-subscriptions`: proof that a router which passes subscriptions through to
// the subgraph owning the field serves orderStatusChanged, with Hive Gateway as the router. The
// four subgraphs as their own processes in production mode (PostgreSQL, Redis), Hive Gateway in
// front of them configured as bench/peers/gateway.config.ts says (subscriptions to the order
// subgraph over graphql-ws, the caller's identity in connection_init's payload). Clients subscribe
// to Hive over graphql-sse (GraphQL over Server-Sent Events, distinct connections: a POST with
// Accept: text/event-stream), carrying their x-internal-identity header, which Hive passes on.
//
// A customer's subscription must receive their order's PENDING → CONFIRMED → PAID, each with
// fields only the other subgraphs have (the buyer's name, the product's name, the payment's
// status), and another customer's subscription none of it. Prints PASS or FAIL, exits non-zero on
// FAIL, and writes bench/results/router-subscriptions.json.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createClient } from 'graphql-sse';
import type { Identity } from '../shared/auth/identity';
import { IDENTITY_HEADER, signInternalToken } from '../shared/auth/internal-token';
import { ROOT_DIR } from '../shared/paths';
import type { ServiceProcess } from '../shared/process/service-process';
import { ensurePeersInstalled, GATEWAYS, type GatewayUnderTest } from './gateways/peers';
import { createDatabases, dropDatabases, request, RUN_ID, SECRETS, startSubgraphs, type DatabaseUrls } from './support/stack';

const RESULT_FILE = path.join(ROOT_DIR, 'bench/results/router-subscriptions.json');
/** How long any one expected event may take: seconds are plenty on an idle machine. */
const WAIT_MS = 30_000;

const WATCH = /* GraphQL */ `
  subscription Watch {
    orderStatusChanged {
      orderId
      from
      to
      version
      order {
        user {
          name
        }
        items {
          quantity
          product {
            name
          }
        }
        payment {
          status
        }
      }
    }
  }
`;

interface Change {
  orderId: string;
  from: string | null;
  to: string;
  version: number;
  order: {
    user: { name: string } | null;
    items: { quantity: number; product: { name: string } | null }[];
    payment: { status: string } | null;
  };
}

interface Received {
  data?: { orderStatusChanged?: Change } | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
}

interface Check {
  name: string;
  pass: boolean;
  detail?: unknown;
}

/** The internal identity Hive's callers send (the benchmark's clients sign their own, as in bench/gateways). */
function identityHeaders(identity: Identity): Record<string, string> {
  return { [IDENTITY_HEADER]: signInternalToken(identity, 'bench', { internalSecret: SECRETS.INTERNAL_SECRET }) };
}

/** One subscription to Hive Gateway over graphql-sse, recording what arrives. */
function subscribeThrough(url: string, identity: Identity) {
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  let failure: unknown;
  const client = createClient({ url, headers: identityHeaders(identity), retryAttempts: 0 });
  const unsubscribe = client.subscribe<NonNullable<Received['data']>>(
    { query: WATCH },
    {
      next: (result) => {
        received.push(result);
        for (const wake of waiters) wake();
      },
      error: (error: unknown) => {
        failure = error;
        for (const wake of waiters) wake();
      },
      complete: () => {},
    },
  );
  return {
    received,
    /** Resolves once a result satisfies `predicate`; rejects after WAIT_MS or when the stream fails. */
    waitFor(what: string, predicate: (result: Received) => boolean): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (received.some(predicate)) return finish();
          if (failure !== undefined)
            return finish(
              new Error(
                `the subscription failed while waiting for ${what}: ${failure instanceof Error ? failure.message : JSON.stringify(failure)}`,
              ),
            );
        };
        const finish = (error?: Error) => {
          waiters.delete(check);
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        };
        const timer = setTimeout(
          () => finish(new Error(`no ${what} within ${WAIT_MS / 1000} s; received ${JSON.stringify(received).slice(0, 1000)}`)),
          WAIT_MS,
        );
        waiters.add(check);
        check();
      });
    },
    close(): void {
      unsubscribe();
      client.dispose();
    },
  };
}

const changeTo = (orderId: string, status: string) => (result: Received) =>
  result.data?.orderStatusChanged?.orderId === orderId && result.data.orderStatusChanged.to === status;

/** A gauge of the order subgraph's /metrics: how many subscriptions routers hold open on it. */
async function openOnOrderSubgraph(orderUrl: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', orderUrl))).text();
  const line = text.split('\n').find((entry) => entry.startsWith('order_status_subscriptions_active'));
  return Number(line?.split(' ').at(-1) ?? NaN);
}

/** Asks until `done` holds (nothing to await: the subgraph's state as its /metrics shows it). */
async function until(what: string, probe: () => Promise<number>, done: (value: number) => boolean): Promise<number> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${value} after ${WAIT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main(): Promise<boolean> {
  ensurePeersInstalled();
  const started = new Date();
  const checks: Check[] = [];
  const check = (name: string, pass: boolean, detail?: unknown) =>
    checks.push({ name, pass, ...(detail !== undefined && { detail }) });
  let databases: DatabaseUrls | undefined;
  const processes: ServiceProcess[] = [];
  let hive: GatewayUnderTest | undefined;
  const subscriptions: { close(): void }[] = [];
  /** What each client received, for the result file whatever happens. */
  const received: Record<string, Received[]> = {};
  let summary: Record<string, unknown> = {};
  try {
    databases = await createDatabases();
    const subgraphs = await startSubgraphs(databases, processes);
    hive = await GATEWAYS.hive.start(subgraphs);
    const through = hive.url;
    const as =
      (identity: Identity) =>
      (query: string, variables: Record<string, unknown> = {}) =>
        request(through, query, variables, identityHeaders(identity));

    // The catalogue and two customers, made by an administrator through Hive.
    const admin = as({ userId: randomUUID(), role: 'ADMIN' });
    const customer = async (name: string): Promise<Identity> => {
      const { createUser } = await admin(`mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`, {
        input: { email: `${name.toLowerCase()}-${RUN_ID}@example.com`, name },
      });
      return { userId: createUser.id, role: 'CUSTOMER' };
    };
    const [alice, bob] = await Promise.all([customer('Alice'), customer('Bob')]);
    const { createCategory } = await admin(`mutation { createCategory(name: "Router ${RUN_ID}") { id } }`);
    const { createProduct } = await admin(`mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }`, {
      input: {
        sku: `ROUTER-${RUN_ID.toUpperCase()}`,
        name: 'Passed-through Lamp',
        price: { amount: 2_500, currency: 'USD' },
        categoryId: createCategory.id,
        stock: 100,
      },
    });
    const place = async (identity: Identity) =>
      (
        await as(identity)(`mutation ($items: [OrderItemInput!]!) { placeOrder(items: $items) { id } }`, {
          items: [{ productId: createProduct.id, quantity: 2 }],
        })
      ).placeOrder.id as string;

    // Both customers watch every order they may see, through Hive.
    const orderUrl = subgraphs.byName.order.url;
    const before = await openOnOrderSubgraph(orderUrl);
    const alices = subscribeThrough(through, alice);
    const bobs = subscribeThrough(through, bob);
    subscriptions.push(alices, bobs);
    received.alice = alices.received;
    received.bob = bobs.received;
    // Hive subscribes upstream when its client does, and says nothing to the client until an
    // event comes: the order subgraph's own gauge tells when both are open there.
    const open = await until(
      'subscriptions open on the order subgraph',
      () => openOnOrderSubgraph(orderUrl),
      (n) => n >= before + 2,
    );
    check('Hive Gateway opened both subscriptions on the order subgraph (graphql-ws)', open === before + 2, {
      open: open - before,
    });

    const orderId = await place(alice);
    await alices.waitFor('CONFIRMED', changeTo(orderId, 'CONFIRMED'));
    const { payForOrder } = await as(alice)(
      `mutation ($orderId: ID!, $key: String!) { payForOrder(orderId: $orderId, method: CARD, idempotencyKey: $key, paymentToken: "tok_visa") { status } }`,
      { orderId, key: `router-${RUN_ID}` },
    );
    await alices.waitFor('PAID', changeTo(orderId, 'PAID'));
    // Bob's own order comes after Alice's PAID on the one order stream: once it has reached him,
    // anything of Alice's would have too.
    const bobsOrder = await place(bob);
    await bobs.waitFor("Bob's own PENDING", changeTo(bobsOrder, 'PENDING'));

    const alicesChanges = alices.received
      .map((result) => result.data?.orderStatusChanged)
      .filter((change) => change?.orderId === orderId);
    const paid = alicesChanges.find((change) => change?.to === 'PAID');
    check(
      "Alice received her order's changes PENDING → CONFIRMED → PAID, in order, once each",
      JSON.stringify(alicesChanges.map((change) => [change?.from, change?.to, change?.version])) ===
        JSON.stringify([
          [null, 'PENDING', 1],
          ['PENDING', 'CONFIRMED', 2],
          ['CONFIRMED', 'PAID', 3],
        ]),
      alicesChanges.map((change) => `${change?.from ?? '∅'} → ${change?.to}`),
    );
    check(
      'the PAID change carries fields from the user, product and payment subgraphs',
      paid?.order.user?.name === 'Alice' &&
        paid.order.items[0]?.product?.name === 'Passed-through Lamp' &&
        paid.order.items[0]?.quantity === 2 &&
        paid.order.payment?.status === 'CAPTURED',
      paid?.order,
    );
    check(
      'no errors in any result Alice received',
      alices.received.every((result) => !result.errors),
      alices.received.filter((r) => r.errors),
    );
    check('payForOrder captured the payment', payForOrder.status === 'CAPTURED', payForOrder.status);
    const foreign = bobs.received.filter((result) => result.data?.orderStatusChanged?.orderId !== bobsOrder);
    check("Bob received none of Alice's changes, only his own order's", foreign.length === 0, {
      received: bobs.received.map((result) => result.data?.orderStatusChanged?.to ?? result.errors),
    });

    // Closing the client's stream ends the subscription the router holds on the subgraph.
    for (const subscription of subscriptions.splice(0)) subscription.close();
    const left = await until(
      'subscriptions left on the order subgraph',
      () => openOnOrderSubgraph(orderUrl),
      (n) => n <= before,
    ).catch((error: Error) => error.message);
    check('closing the clients freed their subscriptions on the order subgraph', left === before, { left });

    summary = {
      alice: alicesChanges,
      bob: { receivedTotal: bobs.received.length, receivedOfAlices: foreign.length },
    };
  } catch (error) {
    check('the run completed', false, { error: error instanceof Error ? error.message : String(error), received });
  } finally {
    for (const subscription of subscriptions) subscription.close();
    await hive?.stop().catch(() => {});
    await Promise.all(processes.map((service) => service.stop()));
    if (databases) await dropDatabases(databases);
  }

  const pass = checks.length > 0 && checks.every((entry) => entry.pass);
  const result = {
    date: started.toISOString(),
    node: process.version,
    router: GATEWAYS.hive.version(),
    transports: {
      clientToRouter: 'graphql-sse (distinct connections: POST, Accept: text/event-stream), x-internal-identity header',
      routerToSubgraph: "graphql-ws on the order subgraph's /graphql, x-internal-identity in connection_init's payload",
    },
    pass,
    checks,
    ...summary,
  };
  writeFileSync(RESULT_FILE, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nRouter passthrough with ${result.router}:`);
  for (const entry of checks)
    console.log(`  ${entry.pass ? 'PASS' : 'FAIL'}  ${entry.name}${entry.pass ? '' : `: ${JSON.stringify(entry.detail)}`}`);
  console.log(`${pass ? 'PASS' : 'FAIL'}: written to ${path.relative(ROOT_DIR, RESULT_FILE)}`);
  return pass;
}

main().then(
  (pass) => process.exit(pass ? 0 : 1),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
