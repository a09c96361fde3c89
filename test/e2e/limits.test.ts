// Abuse limits at the gateway, end to end: query depth, aliases, tokens and cost refused before
// any subgraph is called, over HTTP and over graphql-ws; rate limits per address and per user
// shared by two gateway instances through Redis. The gateways run with small limits so that each
// can be met in a few requests; every test spends the budget of its own address and users.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { Identity } from '../../shared/auth/identity';
import { SUBGRAPHS } from '../../shared/services';
import { accessToken, customer } from '../support/auth';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { graphql, type Endpoint, type GraphQLResponse } from '../support/graphql';
import { statementCount } from '../support/metrics';
import { startStack, type Stack } from '../support/stack';
import { wsUrl } from '../support/subscriptions';
import { describeWithRedis } from '../support/requirements';
import { TEST_REDIS } from '../support/backends';

const LIMITS = {
  MAX_QUERY_DEPTH: '4',
  MAX_ALIASES: '2',
  MAX_TOKENS: '40',
  MAX_QUERY_COST: '41',
  RATE_LIMIT_IP_PER_MINUTE: '8',
  RATE_LIMIT_USER_PER_MINUTE: '4',
  // The tests play the load balancer: X-Forwarded-For gives each test an address of its own.
  TRUST_PROXY: '1',
};

let databases: TestDatabases;
let stack: Stack;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  databases = await createTestDatabases();
  // Budgets shared by two gateways need Redis; the query limits hold on one gateway as well.
  stack = await startStack(databases, { gatewayCount: TEST_REDIS === 'server' ? 2 : 1, env: LIMITS });
}, 120_000);

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

afterAll(async () => {
  await stack?.stop();
  await databases?.drop();
});

let addresses = 0;
/** An address no other test uses (TEST-NET-2, one per call). */
const freshAddress = () => `198.51.${Math.floor(addresses / 250)}.${(addresses++ % 250) + 1}`;

/** Gateway `index` as a client at `address`, signed in as `identity` if given. */
function client(index: number, address: string, identity?: Identity): Endpoint {
  const url = stack.gateways[index]!.url;
  return {
    url,
    get headers() {
      return { 'x-forwarded-for': address, ...(identity && { authorization: `Bearer ${accessToken(identity)}` }) };
    },
  };
}

/** The second gateway where there are two: every instance enforces the query limits. */
const lastGateway = () => stack.gateways.length - 1;

/** The first gateway, from an address of its own: query limits apply whoever asks. */
const anyone = () => client(0, freshAddress());

/** SQL statements sent by all four subgraphs so far: unchanged means no subgraph did any work. */
async function statements(): Promise<number> {
  const counts = await Promise.all(SUBGRAPHS.map((name) => statementCount(stack.subgraphs[name].url)));
  return counts.reduce((sum, count) => sum + count, 0);
}

/** Refusals counted by both gateways' gateway_limit_rejections_total for `code`. */
async function rejections(code: string): Promise<number> {
  const pattern = new RegExp(`^gateway_limit_rejections_total\\{[^}]*code="${code}"[^}]*\\} (\\d+)$`, 'm');
  const texts = await Promise.all(stack.gateways.map(async (gateway) => (await fetch(new URL('/metrics', gateway.url))).text()));
  return texts.reduce((sum, text) => sum + Number(pattern.exec(text)?.[1] ?? 0), 0);
}

/** `request` must be refused with `extensions` and HTTP `status`, with no subgraph called. */
async function expectRefusedUpstream(
  request: () => Promise<GraphQLResponse>,
  extensions: Record<string, unknown>,
  status = 400,
): Promise<void> {
  const [before, refusedBefore] = await Promise.all([statements(), rejections(String(extensions.code))]);
  const response = await request();
  expect({ status: response.status, data: response.data, errors: response.errors?.map((error) => error.extensions) }).toEqual({
    status,
    data: undefined,
    errors: [extensions],
  });
  expect(await statements()).toBe(before);
  expect(await rejections(String(extensions.code))).toBe(refusedBefore + 1);
}

/** `request` must succeed, and reach the subgraphs (which the refused one must not). */
async function expectServed(request: () => Promise<GraphQLResponse>): Promise<void> {
  const before = await statements();
  const response = await request();
  expect({ status: response.status, errors: response.errors }).toEqual({ status: 200, errors: undefined });
  expect(await statements()).toBeGreaterThan(before);
}

// Just within and just over each limit (LIMITS above).
const DEPTH_4 = `{ products(first: 2) { edges { node { id } } } }`;
const DEPTH_5 = `{ products(first: 2) { edges { node { category { id } } } } }`;
const ALIASES_2 = `{ a: products(first: 1) { totalCount } b: products(first: 1) { totalCount } }`;
const ALIASES_3 = `{ a: products(first: 1) { totalCount } b: products(first: 1) { totalCount } c: products(first: 1) { totalCount } }`;
/** `count` tokens: 11, and one more per __typename. */
const tokens = (count: number) => `{ products(first: 1) { totalCount ${'__typename '.repeat(count - 11)}} }`;
/** 1 for the connection, 2 per product (edge and node): 41 for 20 products. */
const PAGE = `query Page($first: Int) { products(first: $first) { edges { node { id } } } }`;

describe('query limits over HTTP', () => {
  it('should refuse a query nested deeper than MAX_QUERY_DEPTH with QUERY_TOO_DEEP, before any subgraph', async () => {
    await expectServed(() => graphql(anyone(), DEPTH_4));
    await expectRefusedUpstream(() => graphql(anyone(), DEPTH_5), { code: 'QUERY_TOO_DEEP', limit: 4, actual: 5 });
  });

  it('should refuse more aliases than MAX_ALIASES with TOO_MANY_ALIASES, before any subgraph', async () => {
    await expectServed(() => graphql(anyone(), ALIASES_2));
    await expectRefusedUpstream(() => graphql(anyone(), ALIASES_3), { code: 'TOO_MANY_ALIASES', limit: 2, actual: 3 });
  });

  it('should refuse a document of more than MAX_TOKENS tokens with TOO_MANY_TOKENS, before any subgraph', async () => {
    await expectServed(() => graphql(anyone(), tokens(40)));
    await expectRefusedUpstream(() => graphql(anyone(), tokens(41)), { code: 'TOO_MANY_TOKENS', limit: 40 });
  });

  it('should refuse the token limit for GET requests too', async () => {
    const get = async (query: string) => {
      const url = `${stack.gatewayUrl}?query=${encodeURIComponent(query)}`;
      // apollo-require-preflight: what a non-browser client sends to pass CSRF prevention.
      const response = await fetch(url, { headers: { 'x-forwarded-for': freshAddress(), 'apollo-require-preflight': 'true' } });
      return { status: response.status, ...((await response.json()) as Omit<GraphQLResponse, 'status'>) };
    };
    await expectServed(() => get(tokens(40)));
    await expectRefusedUpstream(() => get(tokens(41)), { code: 'TOO_MANY_TOKENS', limit: 40 });
  });

  it('should refuse an operation estimated over MAX_QUERY_COST with QUERY_TOO_COSTLY, from its variables', async () => {
    await expectServed(() => graphql(anyone(), PAGE, { first: 20 }));
    await expectRefusedUpstream(() => graphql(anyone(), PAGE, { first: 21 }), {
      code: 'QUERY_TOO_COSTLY',
      limit: 41,
      actual: 43,
    });
  });
});

describe('query limits over WebSocket', () => {
  it('should refuse a subscription nested deeper than MAX_QUERY_DEPTH, and accept one within it', async () => {
    const socket = await openSocket(0, freshAddress(), customer(randomUUID()));
    await socket.expectAccepted(`subscription { orderStatusChanged { order { status } } }`);
    const before = await statements();
    expect(await socket.errorsOf(`subscription { orderStatusChanged { order { items { product { name } } } } }`)).toEqual([
      { code: 'QUERY_TOO_DEEP', limit: 4, actual: 5 },
    ]);
    expect(await socket.errorsOf(DEPTH_5)).toEqual([{ code: 'QUERY_TOO_DEEP', limit: 4, actual: 5 }]);
    expect(await statements()).toBe(before);
  });

  it('should refuse more aliases than MAX_ALIASES, and answer an operation within it', async () => {
    const socket = await openSocket(0, freshAddress(), customer(randomUUID()));
    expect(await socket.result(ALIASES_2)).toEqual({ data: { a: { totalCount: 0 }, b: { totalCount: 0 } } });
    const before = await statements();
    expect(await socket.errorsOf(ALIASES_3)).toEqual([{ code: 'TOO_MANY_ALIASES', limit: 2, actual: 3 }]);
    expect(await statements()).toBe(before);
  });

  it('should refuse a document of more than MAX_TOKENS tokens, and answer one within it', async () => {
    const socket = await openSocket(lastGateway(), freshAddress(), customer(randomUUID()));
    expect((await socket.result(tokens(40))).data).toEqual({ products: { totalCount: 0, __typename: 'ProductConnection' } });
    const before = await statements();
    expect(await socket.errorsOf(tokens(41))).toEqual([{ code: 'TOO_MANY_TOKENS', limit: 40 }]);
    expect(await statements()).toBe(before);
  });

  it('should refuse an operation estimated over MAX_QUERY_COST from its variables, and answer one within it', async () => {
    const socket = await openSocket(lastGateway(), freshAddress(), customer(randomUUID()));
    expect(await socket.result(PAGE, { first: 20 })).toEqual({ data: { products: { edges: [] } } });
    const before = await statements();
    expect(await socket.errorsOf(PAGE, { first: 21 })).toEqual([{ code: 'QUERY_TOO_COSTLY', limit: 41, actual: 43 }]);
    expect(await statements()).toBe(before);
  });
});

describeWithRedis('rate limits over HTTP', () => {
  const QUERY = `{ __typename }`;

  it('should answer 429 with Retry-After once an address has spent its budget across both gateways', async () => {
    const address = freshAddress();
    for (let i = 0; i < 8; i += 1) {
      const response = await graphql(client(i % 2, address), QUERY);
      expect({ i, status: response.status }).toEqual({ i, status: 200 });
    }
    const refused = await post(client(0, address), QUERY);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body).toEqual({
      errors: [
        {
          message: expect.stringMatching(/too many requests/i),
          extensions: { code: 'RATE_LIMITED', retryAfterSeconds: retryAfter },
        },
      ],
    });
    expect(refused.headers.get('ratelimit-limit')).toBe('8');
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    // The other gateway refuses it too, and another address is still served.
    expect((await graphql(client(1, address), QUERY)).status).toBe(429);
    expect((await graphql(client(1, freshAddress()), QUERY)).status).toBe(200);
  });

  it('should give each signed-in user a budget of its own: one user refused, another served from the same address', async () => {
    const address = freshAddress();
    const [alice, bob] = [customer(randomUUID()), customer(randomUUID())];
    for (let i = 0; i < 4; i += 1) {
      const response = await graphql(client(i % 2, address, alice), QUERY);
      expect({ i, status: response.status }).toEqual({ i, status: 200 });
    }
    const refused = await graphql(client(0, address, alice), QUERY);
    expect({ status: refused.status, codes: refused.errors?.map((error) => error.extensions?.code) }).toEqual({
      status: 429,
      codes: ['RATE_LIMITED'],
    });
    expect(refused.errors?.[0]?.message).toMatch(/account/);
    expect((await graphql(client(1, address, bob), QUERY)).status).toBe(200);
  });

  it('should tell a client its remaining budget on every response, readable by browser scripts too', async () => {
    const endpoint = client(0, freshAddress(), customer(randomUUID()));
    const response = await post({ url: endpoint.url, headers: { ...endpoint.headers, origin: 'http://localhost:3000' } }, QUERY);
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-expose-headers')).toBe(
      'Retry-After,RateLimit-Limit,RateLimit-Remaining,RateLimit-Reset',
    );
    // The tighter of the two budgets: the user's 4, one spent.
    expect(Object.fromEntries(['limit', 'remaining'].map((name) => [name, response.headers.get(`ratelimit-${name}`)]))).toEqual({
      limit: '4',
      remaining: '3',
    });
    expect(Number(response.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
  });

  it('should ignore X-Forwarded-For unless TRUST_PROXY says a proxy sets it', async () => {
    const direct = await stack.start('gateway', { TRUST_PROXY: '0' });
    // Each request claims another address; without a trusted proxy all come from 127.0.0.1.
    const from = (address: string): Endpoint => ({ url: direct.url, headers: { 'x-forwarded-for': address } });
    for (let i = 0; i < 8; i += 1) expect((await graphql(from(freshAddress()), QUERY)).status).toBe(200);
    expect((await graphql(from(freshAddress()), QUERY)).status).toBe(429);
  });
});

describeWithRedis('rate limits over WebSocket', () => {
  it('should close connections from an address over its budget with 4429, across both gateways', async () => {
    const address = freshAddress();
    const identity = customer(randomUUID());
    for (let i = 0; i < 8; i += 1) await openSocket(i % 2, address, identity);
    const refused = connectSocket(0, address, identity);
    expect(await refused.closed).toEqual({ code: 4429, reason: expect.stringMatching(/retry after \d+ s/) });
    await openSocket(1, freshAddress(), identity);
  });

  it("should refuse a user's operations over its budget with RATE_LIMITED, across both gateways, and serve another user", async () => {
    const [carol, dave] = [customer(randomUUID()), customer(randomUUID())];
    const onEach = [await openSocket(0, freshAddress(), carol), await openSocket(1, freshAddress(), carol)];
    for (let i = 0; i < 4; i += 1)
      expect(await onEach[i % 2]!.result(`{ __typename }`)).toEqual({ data: { __typename: 'Query' } });
    const errors = await onEach[0]!.errorsOf(`{ __typename }`);
    expect(errors).toEqual([{ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) }]);
    expect(errors[0]?.retryAfterSeconds).toBeGreaterThan(0);
    const other = await openSocket(0, freshAddress(), dave);
    expect(await other.result(`{ __typename }`)).toEqual({ data: { __typename: 'Query' } });
  });
});

async function post(endpoint: Endpoint, query: string) {
  const response = await fetch(endpoint.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...endpoint.headers },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

// graphql-ws spoken directly (the graphql-transport-ws protocol), so that a test sees exactly
// which message or close code answers what, and can send X-Forwarded-For with the upgrade.
interface Message {
  id?: string;
  type: string;
  payload?: unknown;
}

interface TestSocket {
  /** The connection_ack, or the close that came instead. */
  acknowledged: Promise<boolean>;
  closed: Promise<{ code: number; reason: string }>;
  /** The single result of a query or mutation. */
  result(query: string, variables?: Record<string, unknown>): Promise<{ data?: unknown; errors?: unknown }>;
  /** The error message's errors' extensions, for an operation refused outright. */
  errorsOf(query: string, variables?: Record<string, unknown>): Promise<Record<string, unknown>[]>;
  /** A subscription the gateway registered: no error before a query sent after it is answered. */
  expectAccepted(query: string): Promise<void>;
  close(): void;
}

function connectSocket(index: number, address: string, identity: Identity): TestSocket {
  const socket = new WebSocket(wsUrl(stack.gateways[index]!.url), 'graphql-transport-ws', {
    headers: { 'x-forwarded-for': address },
  });
  const received: Message[] = [];
  const waiters = new Set<() => void>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => {
      resolve({ code, reason: String(reason) });
      for (const wake of waiters) wake();
    }),
  );
  socket.on('message', (data) => {
    received.push(JSON.parse((data as Buffer).toString()) as Message);
    for (const wake of waiters) wake();
  });
  socket.once('open', () =>
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${accessToken(identity)}` } })),
  );
  /** Resolves with the first message matching, or rejects once the socket closed without it. */
  const next = (matches: (message: Message) => boolean) =>
    new Promise<Message>((resolve, reject) => {
      const check = () => {
        const found = received.find(matches);
        if (!found && socket.readyState !== WebSocket.CLOSED) return;
        waiters.delete(check);
        if (found) resolve(found);
        else reject(new Error(`socket closed without the expected message; received ${JSON.stringify(received)}`));
      };
      waiters.add(check);
      check();
    });
  let ids = 0;
  const send = (query: string, variables: Record<string, unknown> = {}) => {
    const id = String((ids += 1));
    socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    return id;
  };
  const outcome = (id: string) => next((message) => message.id === id && ['next', 'error'].includes(message.type));
  const testSocket: TestSocket = {
    acknowledged: next((message) => message.type === 'connection_ack').then(
      () => true,
      () => false,
    ),
    closed,
    result: async (query, variables) => {
      const message = await outcome(send(query, variables));
      if (message.type !== 'next') throw new Error(`expected a result, got ${JSON.stringify(message)}`);
      return message.payload as { data?: unknown; errors?: unknown };
    },
    errorsOf: async (query, variables) => {
      const message = await outcome(send(query, variables));
      if (message.type !== 'error') throw new Error(`expected an error, got ${JSON.stringify(message)}`);
      return (message.payload as { extensions: Record<string, unknown> }[]).map((error) => error.extensions);
    },
    expectAccepted: async (query) => {
      const id = send(query);
      await testSocket.result(`{ __typename }`);
      expect(received.filter((message) => message.id === id)).toEqual([]);
      socket.send(JSON.stringify({ id, type: 'complete' }));
    },
    close: () => socket.close(),
  };
  sockets.push(testSocket);
  return testSocket;
}

/** A socket the gateway acknowledged. */
async function openSocket(index: number, address: string, identity: Identity): Promise<TestSocket> {
  const socket = connectSocket(index, address, identity);
  if (!(await socket.acknowledged)) throw new Error(`connection refused: ${JSON.stringify(await socket.closed)}`);
  return socket;
}
