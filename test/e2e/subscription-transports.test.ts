// Order status subscriptions over HTTP, as real clients make them: Apollo Client 4 with only an
// HttpLink (Apollo's multipart protocol) and the graphql-sse client in both of its modes, beside
// graphql-ws, all fed by one hub; and the coded refusals each transport gives to bad requests.
import { randomUUID } from 'node:crypto';
import { ADMIN, accessToken, as, customer } from '../support/auth';
import { TEST_REDIS } from '../support/backends';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import type { Endpoint } from '../support/graphql';
import { subscribeOverMultipart, subscribeOverSse } from '../support/http-subscriptions';
import { scrapeMetrics, metricValue } from '../support/metrics';
import { pollUntil } from '../support/poll';
import { itWithRedis } from '../support/requirements';
import { startStack, type Stack } from '../support/stack';
import { subscribe, type TestSubscription } from '../support/subscriptions';
import { changesOf, createBuyer, createProduct, payForOrder, placeOrder, reached } from './helpers';

let databases: TestDatabases;
let stack: Stack;
let product: string;
const open: TestSubscription[] = [];

/** Remembered so that afterEach closes it, whatever the test's outcome. */
function kept(subscription: TestSubscription): TestSubscription {
  open.push(subscription);
  return subscription;
}

beforeAll(async () => {
  databases = await createTestDatabases();
  stack = await startStack(databases, { gatewayCount: TEST_REDIS === 'server' ? 2 : 1, env: { WS_KEEPALIVE_MS: '300' } });
  product = await createProduct(stack.admin, { stock: 1_000, amount: 990, name: 'Streamed Widget' });
}, 120_000);

afterEach(() => Promise.all(open.splice(0).map((subscription) => subscription.close())));

afterAll(async () => {
  await stack?.stop();
  await databases?.drop();
});

const LIFECYCLE = /* GraphQL */ `
  subscription Lifecycle {
    orderStatusChanged {
      orderId
      to
      order {
        user {
          name
        }
        items {
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

/** Two customers, each with an endpoint on the first gateway. */
async function customers(): Promise<{ alice: Endpoint; aliceId: string; bob: Endpoint; bobId: string }> {
  const [aliceId, bobId] = await Promise.all([
    createBuyer(stack.admin, { name: 'Alice Stream' }),
    createBuyer(stack.admin, { name: 'Bob Stream' }),
  ]);
  return { alice: stack.as(customer(aliceId)), aliceId, bob: stack.as(customer(bobId)), bobId };
}

/**
 * Alice watches her orders and Bob his over `transport`; Alice places and pays an order, then Bob
 * places one of his own. Alice receives PENDING → CONFIRMED → PAID with fields from four
 * subgraphs; Bob receives his own order's changes, which come after Alice's, and none of hers.
 */
async function lifecycleOver(subscribeWith: (target: Endpoint, query: string) => Promise<TestSubscription>) {
  const { alice, aliceId, bob, bobId } = await customers();
  const aliceWatch = kept(await subscribeWith(alice, LIFECYCLE));
  const bobWatch = kept(await subscribeWith(bob, LIFECYCLE));
  const orderId = await placeOrder(alice, aliceId, product);
  await aliceWatch.waitFor(1, reached(orderId, 'CONFIRMED'));
  await payForOrder(alice, orderId);
  await aliceWatch.waitFor(1, reached(orderId, 'PAID'));
  const own = await placeOrder(bob, bobId, product);
  await bobWatch.waitFor(1, reached(own, 'CONFIRMED'));

  expect(withoutTypenames(changesOf(aliceWatch.results, orderId))).toEqual(
    ['PENDING', 'CONFIRMED', 'PAID'].map((to) => ({
      orderId,
      to,
      order: {
        user: { name: 'Alice Stream' },
        items: [{ product: { name: 'Streamed Widget' } }],
        payment: to === 'PAID' ? { status: 'CAPTURED' } : null,
      },
    })),
  );
  expect(aliceWatch.results.every((result) => !result.errors)).toBe(true);
  expect(changesOf(bobWatch.results, orderId)).toEqual([]);
  expect(changesOf(bobWatch.results, own).map((change) => change.to)).toEqual(['PENDING', 'CONFIRMED']);
}

/** Apollo Client adds __typename everywhere; the other clients get exactly what they asked for. */
function withoutTypenames<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (key, field: unknown) => (key === '__typename' ? undefined : field)) as T;
}

describe('subscriptions over HTTP', () => {
  it("should deliver a customer's order to Apollo Client's HttpLink over multipart, and nothing of it to another customer", async () => {
    await lifecycleOver(subscribeOverMultipart);
  });

  it.each([false, true])('should do the same over graphql-sse (single connection: %s)', async (singleConnection) => {
    await lifecycleOver((target, query) => subscribeOverSse(target, query, {}, { singleConnection }));
  });

  it('should refuse an invalid access token with 401 and a coded error, on both HTTP transports', async () => {
    const forged = { url: stack.gatewayUrl, headers: { authorization: 'Bearer not-a-jwt' } };
    const expired = { url: stack.gatewayUrl, headers: { authorization: `Bearer ${accessToken(ADMIN, -10)}` } };
    for (const target of [forged, expired]) {
      for (const accept of ['text/event-stream', 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0",application/json']) {
        const response = await fetch(target.url, {
          method: 'POST',
          headers: { ...target.headers, 'content-type': 'application/json', accept },
          body: JSON.stringify({ query: 'subscription { orderStatusChanged { to } }' }),
        });
        expect(response.status).toBe(401);
        const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
        expect(body.errors).toEqual([{ message: expect.stringMatching(/token/i), extensions: { code: 'UNAUTHENTICATED' } }]);
      }
    }
    // The graphql-sse client sees the same refusal.
    const refused = kept(await subscribeOverSse(forged, 'subscription { orderStatusChanged { to } }'));
    const { error } = await refused.ended;
    expect((error as { response?: { status: number } }).response?.status).toBe(401);
  });

  it('should free the hub and the connection at once when a client goes away', async () => {
    const url = stack.gateways[0]!.url;
    const gauges = async () => {
      const text = await scrapeMetrics(url);
      return {
        subscriptions: metricValue(text, 'subscriptions_active'),
        sse: metricValue(text, 'subscription_connections', { transport: 'graphql-sse' }),
        multipart: metricValue(text, 'subscription_connections', { transport: 'multipart' }),
      };
    };
    const baseline = await gauges();
    const { alice } = await customers();
    const subscriptions = await Promise.all([
      subscribeOverMultipart(alice, LIFECYCLE),
      subscribeOverSse(alice, LIFECYCLE),
      subscribeOverSse(alice, LIFECYCLE, {}, { singleConnection: true }),
    ]);
    expect(await gauges()).toEqual({
      subscriptions: baseline.subscriptions + 3,
      sse: baseline.sse + 2,
      multipart: baseline.multipart + 1,
    });
    await Promise.all(subscriptions.map((subscription) => subscription.close()));
    // The gateway learns of a closed HTTP response asynchronously: asked until it has.
    expect(
      await pollUntil(
        gauges,
        (now) => now.subscriptions === baseline.subscriptions && now.sse === baseline.sse && now.multipart === baseline.multipart,
      ),
    ).toEqual(baseline);
  });
});

describe('bad subscription requests over HTTP', () => {
  const SUBSCRIPTION = 'subscription { orderStatusChanged { to } }';
  const MULTIPART =
    'multipart/mixed;boundary="graphql";subscriptionSpec="1.0",application/graphql-response+json,application/json;q=0.9';

  async function send(method: string, headers: Record<string, string>, body?: unknown, path = '') {
    const response = await fetch(`${stack.gatewayUrl}${path}`, {
      method,
      headers: { ...stack.admin.headers, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
  }
  const refusal = (message: string | RegExp, code: string) => ({
    errors: [{ message: typeof message === 'string' ? message : expect.stringMatching(message), extensions: { code } }],
  });

  it('should refuse a subscription over HTTP with no streaming Accept with 406, naming the transports', async () => {
    expect(await send('POST', { accept: 'application/json' }, { query: SUBSCRIPTION })).toEqual({
      status: 406,
      type: expect.stringContaining('application/json'),
      body: refusal(/text\/event-stream \(graphql-sse\) or multipart\/mixed;subscriptionSpec=1.0/, 'NOT_ACCEPTABLE'),
    });
  });

  it('should answer multipart refusals in the GraphQL response media type Apollo Client reads', async () => {
    expect(await send('POST', { accept: MULTIPART }, { query: 'subscription { orderStatusChanged { nope } }' })).toEqual({
      status: 400,
      type: 'application/graphql-response+json; charset=utf-8',
      body: {
        errors: [
          {
            message: 'Cannot query field "nope" on type "OrderStatusChange".',
            locations: [{ line: 1, column: 37 }],
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
          },
        ],
      },
    });
    expect(await send('POST', { accept: MULTIPART, authorization: '' }, { query: SUBSCRIPTION })).toEqual({
      status: 401,
      type: 'application/graphql-response+json; charset=utf-8',
      body: refusal('Subscriptions need a signed-in caller: send an access token.', 'UNAUTHENTICATED'),
    });
    expect(
      await send(
        'POST',
        { accept: MULTIPART },
        { query: 'subscription ($id: ID) { orderStatusChanged(orderId: $id) { to } }', variables: { id: { a: 1 } } },
      ),
    ).toEqual({
      status: 400,
      type: expect.any(String),
      body: {
        errors: [
          {
            message: expect.stringMatching(/^Variable "\$id" got invalid value/),
            locations: [{ line: 1, column: 15 }],
            extensions: { code: 'BAD_USER_INPUT' },
          },
        ],
      },
    });
  });

  it("should give a customer watching someone else's order over multipart the answer a query gives", async () => {
    const { alice, aliceId, bob } = await customers();
    const orderId = await placeOrder(alice, aliceId, product);
    const query = 'subscription ($id: ID) { orderStatusChanged(orderId: $id) { to } }';
    const { status, body } = await send('POST', { accept: MULTIPART, ...bob.headers }, { query, variables: { id: orderId } });
    expect(status).toBe(200);
    expect(body).toMatchObject({ data: null, errors: [{ extensions: { code: 'NOT_FOUND' } }] });
  });

  it('should answer a query sent with the multipart Accept as Apollo Server does', async () => {
    expect(await send('POST', { accept: MULTIPART }, { query: '{ __typename }' })).toMatchObject({
      status: 200,
      body: { data: { __typename: 'Query' } },
    });
  });

  it('should give each graphql-sse mistake its status and a coded error', async () => {
    const events = { accept: 'text/event-stream' };
    // Malformed: a query that is not a string; a body that is not an object.
    expect(await send('POST', events, { query: 1 })).toEqual({
      status: 400,
      type: expect.stringContaining('json'),
      body: refusal('Invalid query', 'BAD_REQUEST'),
    });
    expect(await send('POST', events, '{"query": ')).toMatchObject({
      status: 400,
      body: refusal('Request body is not valid JSON.', 'BAD_REQUEST'),
    });
    // A mutation over GET.
    const mutation = encodeURIComponent('mutation { logout(refreshToken: "x") }');
    expect(await send('GET', events, undefined, `?query=${mutation}`)).toMatchObject({
      status: 405,
      body: refusal('Mutations are not sent over GET: use POST.', 'METHOD_NOT_ALLOWED'),
    });
    // Reserving a stream needs a caller; someone else's stream is nobody's.
    expect(await send('PUT', { authorization: '' })).toMatchObject({
      status: 401,
      body: refusal(/signed-in caller/, 'UNAUTHENTICATED'),
    });
    const reserved = await fetch(stack.gatewayUrl, { method: 'PUT', headers: stack.admin.headers });
    expect(reserved.status).toBe(201);
    const token = await reserved.text();
    const { bob } = await customers();
    expect(
      await send(
        'POST',
        { ...bob.headers, 'x-graphql-event-stream-token': token, accept: 'application/json' },
        {
          query: SUBSCRIPTION,
          extensions: { operationId: randomUUID() },
        },
      ),
    ).toMatchObject({ status: 404, body: refusal('Stream not found.', 'NOT_FOUND') });
    // On the caller's own stream: an operation without its id.
    expect(
      await send('POST', { 'x-graphql-event-stream-token': token, accept: 'application/json' }, { query: SUBSCRIPTION }),
    ).toMatchObject({ status: 400, body: refusal('Operation ID is missing', 'BAD_REQUEST') });
  });
});

describe('subscribers on two gateways', () => {
  itWithRedis('should deliver each change once to every subscriber, on every transport of either gateway', async () => {
    const [first, second] = stack.gateways.map((gateway) => as(ADMIN, gateway.url, 'gateway')) as [Endpoint, Endpoint];
    const subscribers = {
      'graphql-ws on the first': kept(await subscribe(first, LIFECYCLE)),
      'multipart on the first': kept(await subscribeOverMultipart(first, LIFECYCLE)),
      'graphql-sse on the second': kept(await subscribeOverSse(second, LIFECYCLE)),
      'graphql-sse (one connection) on the second': kept(
        await subscribeOverSse(second, LIFECYCLE, {}, { singleConnection: true }),
      ),
    };
    const buyer = await createBuyer(first);
    const orderId = await placeOrder(second, buyer, product);
    await subscribers['graphql-ws on the first'].waitFor(1, reached(orderId, 'CONFIRMED'));
    await payForOrder(first, orderId);
    const received = await Promise.all(
      Object.entries(subscribers).map(async ([name, subscription]) => {
        await subscription.waitFor(1, reached(orderId, 'PAID'));
        return [name, changesOf(subscription.results, orderId).map((change) => change.to)];
      }),
    );
    expect(Object.fromEntries(received)).toEqual(
      Object.fromEntries(Object.keys(subscribers).map((name) => [name, ['PENDING', 'CONFIRMED', 'PAID']])),
    );
  });
});
