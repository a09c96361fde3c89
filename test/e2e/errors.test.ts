// What a client sees of an error, through the real gateway: a subgraph's own message and code
// whatever HTTP status it answered with, text PostgreSQL cannot store refused with the argument
// named, request bodies in any Content-Encoding, automatic persisted queries, and one walk over
// every code in ErrorCode checking the whole shape: message, path and locations, `code` and the
// allow-listed extensions, no internal address anywhere.
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { CLIENT_EXTENSIONS, ErrorCode } from '../../shared/errors';
import { subgraphUrlVar } from '../../shared/services';
import type { ServiceProcess } from '../../shared/process/service-process';
import { customer, internalIdentity, ADMIN } from '../support/auth';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { ok, type Endpoint } from '../support/graphql';
import { scrapeMetric } from '../support/metrics';
import { startStack, type Stack } from '../support/stack';
import { createProduct } from './helpers';

let databases: TestDatabases;
let stack: Stack;
/** A gateway with NODE_ENV=production (and production-grade secrets: only anonymous calls work). */
let production: ServiceProcess;
/** A gateway whose payment subgraph is `fakePayment`. */
let misrouted: ServiceProcess;
let fakePayment: FakeSubgraph;
let productId: string;
/** An account made with signUp, for logins with a wrong password. */
const account = { email: `errors-${randomUUID().slice(0, 8)}@example.com`, password: 'a long enough password' };

const LOGIN = `mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }`;

/** An HTTP server standing in for a subgraph, answering whatever `answer` says. */
interface FakeSubgraph {
  url: string;
  answer: { status: number; contentType: string; body: string };
  close(): Promise<void>;
}

async function startFakeSubgraph(): Promise<FakeSubgraph> {
  const fake = {
    answer: { status: 200, contentType: 'application/json', body: '{"data":null}' },
  } as FakeSubgraph;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(fake.answer.status, { 'content-type': fake.answer.contentType }).end(fake.answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  fake.close = () => new Promise((resolve) => server.close(() => resolve()));
  return fake;
}

/** A raw POST to `url`'s GraphQL endpoint: status, headers and parsed body. */
async function post(url: string, body: Buffer | string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, headers: response.headers, body: (await response.json()) as ErrorBody };
}

interface ErrorBody {
  data?: unknown;
  errors?: { message: string; path?: unknown; locations?: unknown; extensions?: Record<string, unknown> }[];
}

const ERROR_KEYS = new Set(['message', 'locations', 'path', 'extensions']);
const EXTENSION_KEYS = new Set<string>(['code', ...CLIENT_EXTENSIONS]);

/**
 * Fails unless every error of `body` has the client shape: only message, locations, path and
 * extensions; extensions only `code` and the allow-listed ones; a message of words, with no URL,
 * address or status line; and nothing internal anywhere in the response.
 */
function expectClientErrors(body: ErrorBody): void {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/127\.0\.0\.1|localhost|https?:\/\/|stacktrace|exception|serviceName|"response"/);
  expect(body.errors?.length).toBeGreaterThan(0);
  for (const error of body.errors ?? []) {
    expect(Object.keys(error).filter((key) => !ERROR_KEYS.has(key))).toEqual([]);
    expect(Object.keys(error.extensions ?? {}).filter((key) => !EXTENSION_KEYS.has(key))).toEqual([]);
    expect(typeof error.extensions?.code).toBe('string');
    // PersistedQueryNotFound is the one exception: clients (Apollo's among them) match its text.
    if (error.extensions?.code !== ErrorCode.PERSISTED_QUERY_NOT_FOUND) expect(error.message).toMatch(/^\S+( \S+)+/);
    expect(error.message).not.toMatch(/^\d{3}\b|HTTP\/\d/);
  }
}

/** Subgraph fetches the gateway has made so far: unchanged means it refused on its own. */
const subgraphFetches = () => scrapeMetric(stack.gatewayUrl, 'subgraph_fetch_duration_seconds_count');

beforeAll(async () => {
  databases = await createTestDatabases();
  stack = await startStack(databases);
  fakePayment = await startFakeSubgraph();
  [production, misrouted] = await Promise.all([
    stack.start('gateway', {
      NODE_ENV: 'production',
      INTERNAL_SECRET: 'a-production-internal-secret-of-at-least-32-chars',
    }),
    stack.start('gateway', { [subgraphUrlVar('payment')]: fakePayment.url }),
  ]);
  productId = await createProduct(stack.admin);
  await ok(stack.gatewayUrl, `mutation ($input: SignUpInput!) { signUp(input: $input) { accessToken } }`, {
    input: { ...account, name: 'Errors' },
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await fakePayment?.close();
  await databases?.drop();
});

describe('subgraph errors through the gateway', () => {
  it.each([
    ['development', () => stack.gatewayUrl],
    ['production', () => production.url],
  ])('should answer a wrong password with the user subgraph’s message and code only (%s)', async (_mode, gateway) => {
    const response = await post(
      gateway(),
      JSON.stringify({ query: LOGIN, variables: { ...account, password: 'wrong-password' } }),
    );
    // The gateway executed the operation: 200 with errors, as Apollo Server answers a resolver's error.
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      data: null,
      errors: [{ message: 'Email or password is incorrect.', path: ['login'], extensions: { code: 'UNAUTHENTICATED' } }],
    });
    expectClientErrors(response.body);
  });

  it('should tell an anonymous caller of orders to sign in, in the order subgraph’s words', async () => {
    const response = await post(stack.gatewayUrl, JSON.stringify({ query: `{ orders { totalCount } }` }));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      data: null,
      errors: [
        {
          message: 'Sign in to do this: send an access token in the Authorization header.',
          path: ['orders'],
          extensions: { code: 'UNAUTHENTICATED' },
        },
      ],
    });
    expectClientErrors(response.body);
  });

  it('should refuse a refresh token that is not one with the user subgraph’s message', async () => {
    const query = `mutation ($token: String!) { refresh(refreshToken: $token) { accessToken } }`;
    for (const gateway of [stack.gatewayUrl, production.url]) {
      const response = await post(gateway, JSON.stringify({ query, variables: { token: 'not-a-refresh-token' } }));
      expect(response.body).toEqual({
        data: null,
        errors: [
          {
            message: 'The refresh token is not valid: sign in again.',
            path: ['refresh'],
            extensions: { code: 'UNAUTHENTICATED' },
          },
        ],
      });
      expectClientErrors(response.body);
    }
  });

  it('should pass on a GraphQL answer of any status with its message and code, and nothing else it carries', async () => {
    fakePayment.answer = {
      status: 403,
      contentType: 'application/graphql-response+json; charset=utf-8',
      body: JSON.stringify({
        errors: [
          {
            message: 'Payments are closed today.',
            path: ['payment'],
            extensions: { code: 'FORBIDDEN', exception: { at: 'http://127.0.0.1:1/x' }, stacktrace: ['Error'], id: 'p-1' },
          },
        ],
      }),
    };
    const response = await post(misrouted.url, JSON.stringify({ query: `{ payment(id: "p-1") { id } }` }));
    expect(response.body).toEqual({
      data: { payment: null },
      errors: [{ message: 'Payments are closed today.', path: ['payment'], extensions: { code: 'FORBIDDEN', id: 'p-1' } }],
    });
    expectClientErrors(response.body);
  });

  it('should make an error status without a GraphQL body SERVICE_UNAVAILABLE, without its body or address', async () => {
    fakePayment.answer = { status: 404, contentType: 'text/html', body: '<h1>Cannot POST /graphql on 127.0.0.1</h1>' };
    const response = await post(misrouted.url, JSON.stringify({ query: `{ payment(id: "p-1") { id } }` }));
    expect(response.body).toEqual({
      data: { payment: null },
      errors: [
        {
          message: 'The payment service is unavailable: answered HTTP 404',
          extensions: { code: 'SERVICE_UNAVAILABLE', service: 'payment' },
        },
      ],
    });
    expectClientErrors(response.body);
  });
});

describe('text PostgreSQL cannot store', () => {
  const category = `mutation ($name: String!) { createCategory(name: $name) { id } }`;
  const product = `mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }`;
  const productInput = {
    sku: 'SKU-NUL',
    name: 'Lamp',
    price: { amount: 100, currency: 'USD' },
    categoryId: randomUUID(),
    stock: 1,
  };
  const updateProduct = `mutation ($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { id } }`;
  const cases: [string, string, () => Record<string, unknown>, string][] = [
    ['a category name', category, () => ({ name: 'Lamps\u0000' }), 'name'],
    ['a product name', product, () => ({ input: { ...productInput, name: 'La\u0000mp' } }), 'input.name'],
    ['a product description', updateProduct, () => ({ id: productId, input: { description: '\u0000' } }), 'input.description'],
    [
      'a user name',
      `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`,
      () => ({ input: { email: 'nul@example.com', name: 'N\u0000L' } }),
      'input.name',
    ],
    [
      'a search text',
      `query ($search: String) { products(filter: { search: $search }) { totalCount } }`,
      () => ({ search: 'lamp\u0000' }),
      'filter.search',
    ],
    ['a login email', LOGIN, () => ({ email: 'customer\u0000@shop.example', password: 'whatever-password' }), 'email'],
    ['an ID', `query ($id: ID!) { product(id: $id) { id } }`, () => ({ id: `${productId}\u0000` }), 'id'],
    [
      'a list item',
      `mutation ($items: [OrderItemInput!]!) { placeOrder(items: $items) { id } }`,
      () => ({ items: [{ productId: '\u0000', quantity: 1 }] }),
      'items[0].productId',
    ],
    ['a literal', `mutation { createCategory(name: "Lamps\\u0000") { id } }`, () => ({}), 'name'],
  ];

  it.each(cases)(
    'should refuse a NUL character in %s with BAD_USER_INPUT naming it, before any subgraph is called',
    async (_kind, query, variables, field) => {
      const fetchesBefore = await subgraphFetches();
      expect(fetchesBefore).toBeGreaterThan(0);
      const response = await post(stack.gatewayUrl, JSON.stringify({ query, variables: variables() }), stack.admin.headers);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        errors: [
          {
            message: `${field} contains a NUL character (U+0000), which cannot be stored; remove it.`,
            extensions: { code: 'BAD_USER_INPUT', field },
          },
        ],
      });
      expectClientErrors(response.body);
      expect(await subgraphFetches()).toBe(fetchesBefore);
    },
  );

  it('should refuse an unpaired surrogate the same way', async () => {
    // JSON.stringify escapes a lone surrogate as \ud800, which JSON.parse turns back into one.
    const response = await post(
      stack.gatewayUrl,
      JSON.stringify({ query: category, variables: { name: 'Lamps\ud800' } }),
      stack.admin.headers,
    );
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      {
        message: 'name contains an unpaired UTF-16 surrogate, which cannot be stored; remove it.',
        extensions: { code: 'BAD_USER_INPUT', field: 'name' },
      },
    ]);
  });

  it('should refuse it in a subgraph called directly too', async () => {
    const response = await post(
      stack.subgraphs.product.url,
      JSON.stringify({ query: product, variables: { input: { ...productInput, name: 'La\u0000mp' } } }),
      internalIdentity(ADMIN),
    );
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      {
        message: 'input.name contains a NUL character (U+0000), which cannot be stored; remove it.',
        extensions: { code: 'BAD_USER_INPUT', field: 'input.name' },
      },
    ]);
  });

  it('should store text with characters beyond the Basic Multilingual Plane', async () => {
    const name = `Lamps 💡 ${randomUUID().slice(0, 8)}`;
    const { createCategory } = await ok(stack.admin, `mutation ($name: String!) { createCategory(name: $name) { name } }`, {
      name,
    });
    expect(createCategory.name).toBe(name);
  });
});

describe('request bodies', () => {
  const body = JSON.stringify({ query: `{ categories { id } }` });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ])('should decode a body sent with Content-Encoding: %s', async (encoding, compress) => {
    const response = await post(stack.gatewayUrl, compress(body), { 'content-encoding': encoding });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ data: { categories: expect.any(Array) } });
  });

  it('should answer 400 BAD_REQUEST to a body its Content-Encoding cannot decode', async () => {
    const response = await post(stack.gatewayUrl, body, { 'content-encoding': 'gzip' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      errors: [{ message: 'Request body could not be decoded as "gzip".', extensions: { code: 'BAD_REQUEST' } }],
    });
  });

  it('should answer 415 UNSUPPORTED_MEDIA_TYPE to an unknown Content-Encoding, naming the supported ones', async () => {
    const response = await post(stack.gatewayUrl, body, { 'content-encoding': 'compress' });
    expect(response.status).toBe(415);
    expect(response.headers.get('accept-encoding')).toMatch(/^gzip, deflate, br/);
    expect(response.body).toEqual({
      errors: [
        {
          message: expect.stringMatching(
            /^Content-Encoding "compress" is not supported; send the body as is or encoded with one of gzip, deflate, br/,
          ),
          extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' },
        },
      ],
    });
  });

  it('should answer 415 UNSUPPORTED_MEDIA_TYPE to a charset other than UTF-8', async () => {
    const response = await post(stack.gatewayUrl, body, { 'content-type': 'application/json; charset=latin1' });
    expect(response.status).toBe(415);
    expect(response.body).toEqual({
      errors: [{ message: 'Charset "latin1" is not supported; send UTF-8.', extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' } }],
    });
  });

  it('should answer 400 BAD_REQUEST to a persisted query whose hash is not its text’s', async () => {
    const query = `{ categories { id } }`;
    const persisted = (sha256Hash: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash } } });
    const mismatch = await post(stack.gatewayUrl, JSON.stringify({ query, ...persisted('0'.repeat(64)) }));
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toEqual({
      errors: [
        {
          message:
            'The persisted query hash does not match the query: extensions.persistedQuery.sha256Hash must be the SHA-256 of the query text.',
          extensions: { code: 'BAD_REQUEST' },
        },
      ],
    });
    // The protocol itself works: unknown hash, then registered with its text, then by hash alone.
    const hash = createHash('sha256').update(query).digest('hex');
    const unknown = await post(stack.gatewayUrl, JSON.stringify(persisted(hash)));
    expect(unknown.body).toEqual({
      errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }],
    });
    expect((await post(stack.gatewayUrl, JSON.stringify({ query, ...persisted(hash) }))).status).toBe(200);
    expect((await post(stack.gatewayUrl, JSON.stringify(persisted(hash)))).body).toEqual({
      data: { categories: expect.any(Array) },
    });
  });
});

describe('every error code', () => {
  const gql = (target: string | Endpoint, query: string, variables: Record<string, unknown> = {}) => {
    const { url, headers = {} } = typeof target === 'string' ? { url: target } : target;
    return post(url, JSON.stringify({ query, variables }), headers);
  };
  const nested = (depth: number): string => (depth === 0 ? 'id' : `category { products { ${nested(depth - 1)} } }`);
  /**
   * One real request through the gateway for each code, and the HTTP status it answers: 200 once
   * the operation ran (the error is in the result, as Apollo Server answers a resolver's error,
   * whatever status the subgraph used), 4xx for a request refused before it ran. A code added to
   * ErrorCode needs an entry here (type-checked).
   */
  const provoke: Record<ErrorCode, [number, () => Promise<{ status: number; body: ErrorBody }>]> = {
    [ErrorCode.BAD_USER_INPUT]: [200, () => gql(stack.admin, `{ order(id: "nope") { id } }`)],
    [ErrorCode.NOT_FOUND]: [200, () => gql(stack.admin, `query ($id: ID!) { product(id: $id) { id } }`, { id: randomUUID() })],
    [ErrorCode.CONFLICT]: [
      200,
      async () => {
        const create = `mutation ($name: String!) { createCategory(name: $name) { id } }`;
        const name = `Twins ${randomUUID()}`;
        await ok(stack.admin, create, { name });
        return gql(stack.admin, create, { name });
      },
    ],
    [ErrorCode.FORBIDDEN]: [200, () => gql(stack.as(customer(randomUUID())), `{ users { totalCount } }`)],
    // The order subgraph answers it with HTTP 401; the gateway ran the operation.
    [ErrorCode.UNAUTHENTICATED]: [200, () => gql(stack.gatewayUrl, `{ orders { totalCount } }`)],
    // The gateway's query limits at their defaults (docs/security.md, Limits), each well exceeded.
    [ErrorCode.QUERY_TOO_DEEP]: [400, () => gql(stack.gatewayUrl, `{ products(first: 1) { edges { node { ${nested(8)} } } } }`)],
    [ErrorCode.TOO_MANY_ALIASES]: [
      400,
      () => gql(stack.gatewayUrl, `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: categories { id }`).join(' ')} }`),
    ],
    [ErrorCode.TOO_MANY_TOKENS]: [400, () => gql(stack.gatewayUrl, `{ ${'__typename '.repeat(5_000)}}`)],
    [ErrorCode.QUERY_TOO_COSTLY]: [
      400,
      () =>
        gql(
          stack.gatewayUrl,
          `{ products(first: 100) { edges { node { category { products(first: 100) { category { products(first: 100) { id } } } } } } } }`,
        ),
    ],
    // The user subgraph's login throttle: 10 failed attempts per account, then RATE_LIMITED.
    [ErrorCode.RATE_LIMITED]: [
      200,
      async () => {
        const email = `throttled-${randomUUID().slice(0, 8)}@example.com`;
        let response = await gql(stack.gatewayUrl, LOGIN, { email, password: 'wrong-password' });
        for (let attempt = 1; attempt <= 20 && response.body.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED'; attempt += 1) {
          response = await gql(stack.gatewayUrl, LOGIN, { email, password: 'wrong-password' });
        }
        return response;
      },
    ],
    [ErrorCode.SERVICE_UNAVAILABLE]: [
      200,
      () => {
        fakePayment.answer = { status: 502, contentType: 'text/plain', body: 'Bad gateway at 127.0.0.1' };
        return gql(misrouted.url, `{ payment(id: "p-1") { id } }`);
      },
    ],
    [ErrorCode.INTERNAL_SERVER_ERROR]: [
      200,
      () => {
        fakePayment.answer = { status: 200, contentType: 'text/html', body: '<p>http://127.0.0.1:4004/graphql says hello</p>' };
        return gql(misrouted.url, `{ payment(id: "p-1") { id } }`);
      },
    ],
    [ErrorCode.BAD_REQUEST]: [400, () => post(stack.gatewayUrl, '{"query": ')],
    [ErrorCode.PAYLOAD_TOO_LARGE]: [
      413,
      () => post(stack.gatewayUrl, JSON.stringify({ query: '{ __typename }', padding: 'x'.repeat(2_000_000) })),
    ],
    [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: [415, () => post(stack.gatewayUrl, '{}', { 'content-encoding': 'compress' })],
    // A subscription over HTTP: as a GET where the multipart protocol takes only POST, and with an
    // Accept that names none of the gateway's streaming transports.
    [ErrorCode.METHOD_NOT_ALLOWED]: [
      405,
      async () => {
        const url = `${stack.gatewayUrl}?query=${encodeURIComponent('subscription { orderStatusChanged { to } }')}`;
        const response = await fetch(url, {
          headers: {
            ...stack.admin.headers,
            accept: 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0",application/json',
          },
        });
        return { status: response.status, body: (await response.json()) as ErrorBody };
      },
    ],
    [ErrorCode.NOT_ACCEPTABLE]: [406, () => gql(stack.admin, `subscription { orderStatusChanged { to } }`)],
    [ErrorCode.GRAPHQL_PARSE_FAILED]: [400, () => gql(stack.gatewayUrl, `{ categories {`)],
    [ErrorCode.GRAPHQL_VALIDATION_FAILED]: [400, () => gql(stack.gatewayUrl, `{ nope }`)],
    [ErrorCode.OPERATION_RESOLUTION_FAILURE]: [400, () => gql(stack.gatewayUrl, `query A { __typename } query B { __typename }`)],
    // Apollo's answer for a hash it has not seen is 200: the client resends with the query text.
    [ErrorCode.PERSISTED_QUERY_NOT_FOUND]: [
      200,
      () =>
        post(stack.gatewayUrl, JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } })),
    ],
  };

  it.each(Object.values(ErrorCode))('should give %s in the client shape, with its HTTP status', async (code) => {
    const [expectedStatus, send] = provoke[code];
    const { status, body } = await send();
    expect({ status, codes: body.errors?.map((error) => error.extensions?.code) }).toEqual({
      status: expectedStatus,
      codes: [code],
    });
    expectClientErrors(body);
  });
});
