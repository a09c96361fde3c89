// Authentication and authorization through the real supergraph: accounts made with signUp, access
// tokens in the Authorization header and in graphql-ws connection_init, and every role's rules
// as a client meets them, over HTTP and WebSocket. Each subgraph's own rules are tested in
// test/subgraphs; here they are seen through the gateway, nested fields included.
import { createHmac, createPublicKey, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { CloseCode } from 'graphql-ws';
import { signAccessToken } from '../../shared/auth/access-token';
import { parseSigningKey } from '../../shared/auth/signing-keys';
import { ADMIN, TEST_ACCESS_TOKENS, accessToken, customer, internalIdentity } from '../support/auth';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { errorCodes, graphql, ok, type Endpoint } from '../support/graphql';
import { startStack, type Stack } from '../support/stack';
import { pollUntil } from '../support/poll';
import { connect, subscribe, watcher, type TestSubscription } from '../support/subscriptions';
import { createProduct, payForOrder, placeOrder, reached } from './helpers';

let databases: TestDatabases;
let stack: Stack;
let productId: string;
/** Two customers who signed up through the gateway, each with an order and a payment. */
let alice: Customer;
let bob: Customer;
const subscriptions = watcher();
const { watch } = subscriptions;

interface Customer {
  id: string;
  email: string;
  password: string;
  refreshToken: string;
  /** The gateway, with this customer's access token. */
  gateway: Endpoint;
  orderId: string;
  paymentId: string;
  statusChangeId: string;
}

const SIGN_UP = `mutation ($input: SignUpInput!) { signUp(input: $input) { accessToken refreshToken user { id role } } }`;
const LOGIN = `mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken refreshToken user { id } } }`;
const ORDER = `query ($id: ID!) { order(id: $id) { id user { id email } items { product { name } } payment { id } } }`;

function withToken(token: string): Endpoint {
  return { url: stack.gatewayUrl, headers: { authorization: `Bearer ${token}` } };
}

/** A compact JWS of `header` and `claims`, signed by `signature` over its first two parts. */
function jws(header: object, claims: object, signature: (input: Buffer) => Buffer): string {
  const input = [header, claims].map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.');
  return `${input}.${signature(Buffer.from(input)).toString('base64url')}`;
}

function hmac(secret: string, input: Buffer): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

async function signUp(name: string): Promise<Customer> {
  const email = `${name.toLowerCase()}-${randomUUID().slice(0, 8)}@example.com`;
  const password = `${name} has a long password`;
  const { signUp: session } = await ok(stack.gatewayUrl, SIGN_UP, { input: { email, password, name } });
  const gateway = withToken(session.accessToken);
  const watcher = await watch(gateway, `subscription { orderStatusChanged { id orderId to } }`);
  const orderId = await placeOrder(gateway, session.user.id, productId);
  const [placed] = await watcher.waitFor(1, reached(orderId, 'CONFIRMED'));
  const payment = await payForOrder(gateway, orderId);
  return {
    id: session.user.id,
    email,
    password,
    refreshToken: session.refreshToken,
    gateway,
    orderId,
    paymentId: payment.id,
    statusChangeId: placed!.data!.orderStatusChanged.id,
  };
}

/** How the gateway closed a WebSocket that tried to connect with `connectionParams`. */
async function closeCodeFor(connectionParams: Record<string, unknown>): Promise<number> {
  const client = connect(stack.gatewayUrl, connectionParams);
  try {
    // The close event ends the subscription, and fails the barrier query subscribe() sends.
    const closed = await subscribe(stack.gatewayUrl, `subscription { orderStatusChanged { to } }`, {}, client).then(
      async (subscription) => (await subscription.ended).error,
      (error: unknown) => error,
    );
    return (closed as { code?: number } | undefined)?.code ?? -1;
  } finally {
    await client.dispose();
  }
}

beforeAll(async () => {
  databases = await createTestDatabases();
  stack = await startStack(databases);
  productId = await createProduct(stack.admin, { stock: 1_000, name: 'Shared Lamp' });
  [alice, bob] = await Promise.all([signUp('Alice'), signUp('Bob')]);
}, 120_000);

afterEach(() => subscriptions.closeAll());

afterAll(async () => {
  await stack?.stop();
  await databases?.drop();
});

describe('accounts through the gateway', () => {
  it('should sign up, log in, refresh and log out, with the access token in the Authorization header', async () => {
    const { login } = await ok(stack.gatewayUrl, LOGIN, { email: alice.email, password: alice.password });
    expect(login.user.id).toBe(alice.id);
    expect((await ok(withToken(login.accessToken), `{ me { id email role } }`)).me).toEqual({
      id: alice.id,
      email: alice.email,
      role: 'CUSTOMER',
    });
    const { refresh } = await ok(
      stack.gatewayUrl,
      `mutation ($token: String!) { refresh(refreshToken: $token) { accessToken refreshToken } }`,
      { token: login.refreshToken },
    );
    expect((await ok(withToken(refresh.accessToken), `{ me { id } }`)).me.id).toBe(alice.id);
    await ok(stack.gatewayUrl, `mutation ($token: String!) { logout(refreshToken: $token) }`, { token: refresh.refreshToken });
    const afterLogout = await graphql(
      stack.gatewayUrl,
      `
        mutation ($token: String!) {
          refresh(refreshToken: $token) {
            accessToken
          }
        }
      `,
      { token: refresh.refreshToken },
    );
    expect(errorCodes(afterLogout)).toEqual(['UNAUTHENTICATED']);
  });

  it('should refuse a wrong password without saying whether the email exists', async () => {
    const wrong = await graphql(stack.gatewayUrl, LOGIN, { email: alice.email, password: 'not the password at all' });
    const unknown = await graphql(stack.gatewayUrl, LOGIN, { email: 'nobody@example.com', password: 'not the password' });
    expect(errorCodes(wrong)).toEqual(['UNAUTHENTICATED']);
    expect(wrong.errors?.[0]?.message).toBe(unknown.errors?.[0]?.message);
    expect(JSON.stringify(wrong)).not.toMatch(/not the password/);
  });

  it('should answer 401 UNAUTHENTICATED to a malformed, forged, expired or unsigned token', async () => {
    const ours = TEST_ACCESS_TOKENS.signingKey;
    const theirs = parseSigningKey(generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    const now = Math.floor(Date.now() / 1000);
    const { issuer, audience } = TEST_ACCESS_TOKENS;
    const claims = {
      sub: ADMIN.userId,
      role: 'ADMIN',
      sid: randomUUID(),
      ver: 0,
      iss: issuer,
      aud: audience,
      iat: now,
      exp: now + 60,
    };
    const header = { alg: 'EdDSA', kid: ours.kid, typ: 'JWT' };
    const session = { sessionId: randomUUID(), version: 0 };
    const publicPem = createPublicKey(ours.privateKey).export({ format: 'pem', type: 'spki' }).toString();
    const tokens = {
      malformed: 'not-a-jwt',
      // Someone else's key, under the name of ours.
      forged: jws(header, claims, (input) => sign(null, input, theirs.privateKey)),
      // Someone else's key under its own name: the gateway looks it up in the JWKS, and finds nothing.
      unknownKey: jws({ ...header, kid: theirs.kid }, claims, (input) => sign(null, input, theirs.privateKey)),
      expired: signAccessToken(ADMIN, session, ours, { issuer, audience, ttlSeconds: -60 }).token,
      unsigned: jwt.sign(claims, '', { algorithm: 'none' }),
      otherAudience: signAccessToken(ADMIN, session, ours, { issuer, audience: 'another-api', ttlSeconds: 60 }).token,
      otherIssuer: signAccessToken(ADMIN, session, ours, { issuer: 'someone-else', audience, ttlSeconds: 60 }).token,
      // HMAC keyed with our public key, as if it were a shared secret (algorithm confusion).
      publicKeyAsSecret: jws({ ...header, alg: 'HS256' }, claims, (input) => hmac(publicPem, input)),
      // What signed access tokens before they were asymmetric.
      formerSecret: jws({ alg: 'HS256', typ: 'JWT' }, claims, (input) =>
        hmac('development-only-jwt-secret-do-not-use-in-production', input),
      ),
      withoutSession: jws(header, { ...claims, sid: undefined }, (input) => sign(null, input, ours.privateKey)),
      withoutVersion: jws(header, { ...claims, ver: undefined }, (input) => sign(null, input, ours.privateKey)),
    };
    // A control, made the same way with our key: the refusals below are for what each one changes.
    const genuine = jws(header, claims, (input) => sign(null, input, ours.privateKey));
    expect((await ok(withToken(genuine), `{ users { totalCount } }`)).users.totalCount).toBeGreaterThan(0);
    for (const [kind, token] of Object.entries(tokens)) {
      const response = await graphql(
        withToken(token),
        `
          {
            users {
              totalCount
            }
          }
        `,
      );
      expect({ kind, status: response.status, codes: errorCodes(response) }).toEqual({
        kind,
        status: 401,
        codes: ['UNAUTHENTICATED'],
      });
    }
    const notBearer = await graphql(
      stack.gatewayUrl,
      `
        {
          __typename
        }
      `,
      {},
      { authorization: 'Basic YWRtaW46YWRtaW4=' },
    );
    expect(notBearer.status).toBe(401);
  });
});

describe('anonymous callers', () => {
  it('should browse products and categories', async () => {
    const data = await ok(
      stack.gatewayUrl,
      `query ($id: ID!) { product(id: $id) { name category { name } } categories { id } }`,
      {
        id: productId,
      },
    );
    expect(data.product.name).toBe('Shared Lamp');
    expect(data.categories.length).toBeGreaterThan(0);
  });

  it('should get UNAUTHENTICATED for anything else', async () => {
    const operations: [string, Record<string, unknown>][] = [
      [`{ me { id } }`, {}],
      [`{ users { totalCount } }`, {}],
      [`{ orders { totalCount } }`, {}],
      [ORDER, { id: alice.orderId }],
      [`query ($id: ID!) { payment(id: $id) { id } }`, { id: alice.paymentId }],
      [`mutation ($p: ID!) { placeOrder(items: [{ productId: $p, quantity: 1 }]) { id } }`, { p: productId }],
      [`mutation ($id: ID!) { cancelOrder(id: $id) { id } }`, { id: alice.orderId }],
      [`mutation { createCategory(name: "Anonymous goods") { id } }`, {}],
    ];
    for (const [query, variables] of operations) {
      const response = await graphql(stack.gatewayUrl, query, variables);
      expect({ query, codes: errorCodes(response) }).toEqual({ query, codes: ['UNAUTHENTICATED'] });
    }
  });
});

describe('customers', () => {
  it('should read their own order, payment and profile, nested fields included', async () => {
    const { order } = await ok(alice.gateway, ORDER, { id: alice.orderId });
    expect(order).toEqual({
      id: alice.orderId,
      user: { id: alice.id, email: alice.email },
      items: [{ product: { name: 'Shared Lamp' } }],
      payment: { id: alice.paymentId },
    });
    const { payment } = await ok(alice.gateway, `query ($id: ID!) { payment(id: $id) { order { user { email } } } }`, {
      id: alice.paymentId,
    });
    expect(payment.order.user.email).toBe(alice.email);
    const { orders } = await ok(alice.gateway, `{ orders { totalCount edges { node { id } } } }`);
    expect(orders).toEqual({ totalCount: 1, edges: [{ node: { id: alice.orderId } }] });
  });

  it("should see another customer's order, payment, status change and account as NOT_FOUND", async () => {
    const attempts: [string, Record<string, unknown>][] = [
      [ORDER, { id: alice.orderId }],
      [`query ($id: ID!) { payment(id: $id) { id order { user { email } } } }`, { id: alice.paymentId }],
      [`query ($id: ID!) { orderStatusChange(id: $id) { order { user { email } } } }`, { id: alice.statusChangeId }],
      [`query ($id: ID!) { user(id: $id) { email } }`, { id: alice.id }],
      [`mutation ($id: ID!) { cancelOrder(id: $id) { id } }`, { id: alice.orderId }],
      [`mutation ($id: ID!) { createPayment(orderId: $id, method: BANK_TRANSFER) { id } }`, { id: alice.orderId }],
    ];
    for (const [query, variables] of attempts) {
      const response = await graphql(bob.gateway, query, variables);
      expect({ query, codes: errorCodes(response), leaked: JSON.stringify(response).includes(alice.email) }).toEqual({
        query,
        codes: ['NOT_FOUND'],
        leaked: false,
      });
    }
    const { orders } = await ok(bob.gateway, `{ orders { totalCount edges { node { id } } } }`);
    expect(orders).toEqual({ totalCount: 1, edges: [{ node: { id: bob.orderId } }] });
    // Alice's order is untouched by Bob's attempts.
    expect((await ok(alice.gateway, `query ($id: ID!) { order(id: $id) { status } }`, { id: alice.orderId })).order.status).toBe(
      'PAID',
    );
  });

  it("should not order for someone else or use an administrator's operations (FORBIDDEN)", async () => {
    const attempts: [string, Record<string, unknown>][] = [
      [
        `mutation ($u: ID!, $p: ID!) { placeOrder(userId: $u, items: [{ productId: $p, quantity: 1 }]) { id } }`,
        { u: alice.id, p: productId },
      ],
      [`{ users { totalCount } }`, {}],
      [`mutation { createCategory(name: "Bob's goods") { id } }`, {}],
      [`mutation ($id: ID!) { adjustStock(id: $id, delta: 5) { stock } }`, { id: productId }],
      [`mutation ($id: ID!) { updateOrderStatus(id: $id, status: SHIPPED) { id } }`, { id: bob.orderId }],
      [`mutation ($id: ID!) { updatePaymentStatus(id: $id, status: REFUNDED) { id } }`, { id: bob.paymentId }],
      [`mutation ($id: ID!) { updateUser(id: $id, input: { role: ADMIN }) { role } }`, { id: bob.id }],
    ];
    for (const [query, variables] of attempts) {
      const response = await graphql(bob.gateway, query, variables);
      expect({ query, codes: errorCodes(response) }).toEqual({ query, codes: ['FORBIDDEN'] });
    }
  });

  it('should update their own profile', async () => {
    const { updateUser } = await ok(
      bob.gateway,
      `mutation ($id: ID!) { updateUser(id: $id, input: { name: "Robert" }) { name } }`,
      {
        id: bob.id,
      },
    );
    expect(updateUser.name).toBe('Robert');
  });
});

describe('administrators', () => {
  it('should manage users and see every order and payment', async () => {
    const { users } = await ok(stack.admin, `{ users(first: 100) { totalCount } }`);
    expect(users.totalCount).toBeGreaterThanOrEqual(2);
    const { order } = await ok(stack.admin, ORDER, { id: alice.orderId });
    expect(order.user.email).toBe(alice.email);
    const { orders } = await ok(stack.admin, `{ orders(first: 100) { totalCount } }`);
    expect(orders.totalCount).toBeGreaterThanOrEqual(2);
    const { payment } = await ok(stack.admin, `query ($id: ID!) { payment(id: $id) { status } }`, { id: bob.paymentId });
    expect(payment.status).toBe('CAPTURED');
  });
});

describe('revocation', () => {
  /** How soon a revocation reaches the gateway: its cache trusts what Redis said for 2 s. */
  const WITHIN_MS = 5_000;
  const ME = `{ me { id role } }`;
  const USERS = `{ users { totalCount } }`;

  /** Asks `query` with `token` until it is refused; the refusal, and how long that took. */
  async function refusal(token: string, query = ME) {
    const started = Date.now();
    const response = await pollUntil(
      () => graphql(withToken(token), query),
      (answer) => answer.status !== 200,
      { timeoutMs: WITHIN_MS * 2, intervalMs: 100 },
    );
    return { response, ms: Date.now() - started };
  }

  function expectRevoked({ response, ms }: Awaited<ReturnType<typeof refusal>>) {
    expect({ status: response.status, codes: errorCodes(response) }).toEqual({ status: 401, codes: ['UNAUTHENTICATED'] });
    expect(response.errors?.[0]?.message).toMatch(/revoked .*sign in again/);
    expect(ms).toBeLessThan(WITHIN_MS);
  }

  async function login(email: string, password: string) {
    return (await ok(stack.gatewayUrl, LOGIN, { email, password })).login as { accessToken: string; refreshToken: string };
  }

  /** An account made by an administrator, with a password, so that it can log in. */
  async function account(role: 'ADMIN' | 'CUSTOMER') {
    const email = `revoked-${randomUUID().slice(0, 8)}@example.com`;
    const password = 'a password long enough';
    const { createUser } = await ok(stack.admin, `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`, {
      input: { email, name: 'Soon Revoked', role, password },
    });
    return { id: createUser.id as string, email, password };
  }

  it("should refuse a session's access token within seconds of its logout, and only that session's", async () => {
    const [ending, other] = [await login(alice.email, alice.password), await login(alice.email, alice.password)];
    // Known to the gateway before the logout: the refusal comes from the revocation, not a first read.
    expect((await ok(withToken(ending.accessToken), ME)).me.id).toBe(alice.id);
    await ok(stack.gatewayUrl, `mutation ($token: String!) { logout(refreshToken: $token) }`, { token: ending.refreshToken });
    expectRevoked(await refusal(ending.accessToken));
    // The account's other sessions go on, and a fresh login works at once.
    expect((await ok(withToken(other.accessToken), ME)).me.id).toBe(alice.id);
    expect((await ok(alice.gateway, ME)).me.id).toBe(alice.id);
    expect((await ok(withToken((await login(alice.email, alice.password)).accessToken), ME)).me.id).toBe(alice.id);
  });

  it('should refuse the access token of a session whose refresh token was presented twice', async () => {
    const session = await login(bob.email, bob.password);
    const REFRESH = `mutation ($token: String!) { refresh(refreshToken: $token) { accessToken refreshToken } }`;
    const { refresh: next } = await ok(stack.gatewayUrl, REFRESH, { token: session.refreshToken });
    expect((await ok(withToken(next.accessToken), ME)).me.id).toBe(bob.id);
    // The used one again: someone holds a copy, and whoever holds the session's access token is out too.
    expect(errorCodes(await graphql(stack.gatewayUrl, REFRESH, { token: session.refreshToken }))).toEqual(['UNAUTHENTICATED']);
    expectRevoked(await refusal(next.accessToken));
    expect((await ok(bob.gateway, ME)).me.id).toBe(bob.id);
  });

  it("should refuse a deleted account's access tokens within seconds", async () => {
    const doomed = await account('CUSTOMER');
    const { accessToken: token } = await login(doomed.email, doomed.password);
    expect((await ok(withToken(token), ME)).me.id).toBe(doomed.id);
    await ok(stack.admin, `mutation ($id: ID!) { deleteUser(id: $id) { id } }`, { id: doomed.id });
    expectRevoked(await refusal(token));
    expect(errorCodes(await graphql(stack.gatewayUrl, LOGIN, { email: doomed.email, password: doomed.password }))).toEqual([
      'UNAUTHENTICATED',
    ]);
  });

  it("should refuse a demoted administrator's access tokens within seconds, and give a fresh login the new role", async () => {
    const demoted = await account('ADMIN');
    const session = await login(demoted.email, demoted.password);
    expect((await ok(withToken(session.accessToken), USERS)).users.totalCount).toBeGreaterThan(0);
    await ok(stack.admin, `mutation ($id: ID!) { updateUser(id: $id, input: { role: CUSTOMER }) { role } }`, { id: demoted.id });
    expectRevoked(await refusal(session.accessToken, USERS));
    // Signed in again (or refreshed), the account is what it is now: a customer.
    const fresh = await login(demoted.email, demoted.password);
    expect((await ok(withToken(fresh.accessToken), ME)).me).toEqual({ id: demoted.id, role: 'CUSTOMER' });
    expect(errorCodes(await graphql(withToken(fresh.accessToken), USERS))).toEqual(['FORBIDDEN']);
    const { refresh } = await ok(
      stack.gatewayUrl,
      `mutation ($token: String!) { refresh(refreshToken: $token) { accessToken user { role } } }`,
      { token: session.refreshToken },
    );
    expect(refresh.user.role).toBe('CUSTOMER');
    expect(errorCodes(await graphql(withToken(refresh.accessToken), USERS))).toEqual(['FORBIDDEN']);
  });
});

describe('identity between gateway and subgraphs', () => {
  it('should drop identity headers a client sends to the gateway', async () => {
    const forged = internalIdentity(ADMIN);
    const anonymous = await graphql(
      stack.gatewayUrl,
      `
        {
          users {
            totalCount
          }
        }
      `,
      {},
      forged,
    );
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
    const asBob = await graphql(bob.gateway, ORDER, { id: alice.orderId }, forged);
    expect(errorCodes(asBob)).toEqual(['NOT_FOUND']);
  });

  it('should give a direct caller of a subgraph with a made-up identity nothing private', async () => {
    const orders = stack.subgraphs.order.url;
    const query = `query ($id: ID!) { order(id: $id) { id } }`;
    const madeUp = await graphql(orders, query, { id: alice.orderId }, { 'x-user-id': alice.id, 'x-user-role': 'ADMIN' });
    expect(errorCodes(madeUp)).toEqual(['UNAUTHENTICATED']);
    const forgedToken = jwt.sign({ role: 'ADMIN' }, 'a guessed internal secret, long enough', {
      subject: ADMIN.userId,
      audience: 'shop-subgraphs',
      expiresIn: 60,
    });
    const forged = await graphql(orders, query, { id: alice.orderId }, { 'x-internal-identity': forgedToken });
    expect(forged.status).toBe(401);
    expect(errorCodes(forged)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('subscriptions', () => {
  it('should close a socket without a token with 4401 Unauthorized, and one with a bad token with 4403 Forbidden', async () => {
    expect(await closeCodeFor({})).toBe(CloseCode.Unauthorized);
    expect(await closeCodeFor({ authorization: 'Bearer not-a-jwt' })).toBe(CloseCode.Forbidden);
    expect(await closeCodeFor({ authorization: `Bearer ${accessToken(ADMIN, -10)}` })).toBe(CloseCode.Forbidden);
  });

  it('should close the socket with 4401 when its access token expires', async () => {
    const client = connect(stack.gatewayUrl, { authorization: `Bearer ${accessToken(customer(bob.id), 2)}` });
    try {
      const subscription = await subscribe(stack.gatewayUrl, `subscription { orderStatusChanged { to } }`, {}, client);
      const { error } = await subscription.ended;
      expect((error as { code?: number }).code).toBe(CloseCode.Unauthorized);
    } finally {
      await client.dispose();
    }
  });

  it("should close an open socket with 4401 within seconds of its session's logout", async () => {
    const { login } = await ok(stack.gatewayUrl, LOGIN, { email: bob.email, password: bob.password });
    const client = connect(stack.gatewayUrl, { authorization: `Bearer ${login.accessToken}` });
    try {
      const subscription = await subscribe(stack.gatewayUrl, `subscription { orderStatusChanged { to } }`, {}, client);
      const loggedOut = Date.now();
      await ok(stack.gatewayUrl, `mutation ($token: String!) { logout(refreshToken: $token) }`, { token: login.refreshToken });
      const { error } = await subscription.ended;
      expect((error as { code?: number; reason?: string }).code).toBe(CloseCode.Unauthorized);
      expect((error as { reason?: string }).reason).toMatch(/revoked/);
      expect(Date.now() - loggedOut).toBeLessThan(5_000);
    } finally {
      await client.dispose();
    }
  });

  it("should deliver a customer's own orders' changes only, and everyone's to administrators", async () => {
    const query = `subscription { orderStatusChanged { orderId to order { user { email } } } }`;
    const [aliceWatch, bobWatch, adminWatch] = await Promise.all([
      watch(alice.gateway, query),
      watch(bob.gateway, query),
      watch(stack.admin, query),
    ]);
    // Bob's change first: once Bob has it, the one pass that delivers it to every audience is over.
    const bobsOrder = await placeOrder(bob.gateway, bob.id, productId);
    await bobWatch.waitFor(1, reached(bobsOrder, 'CONFIRMED'));
    const alicesOrder = await placeOrder(alice.gateway, alice.id, productId);
    await aliceWatch.waitFor(1, reached(alicesOrder, 'CONFIRMED'));
    await adminWatch.waitFor(1, reached(bobsOrder, 'CONFIRMED'));
    await adminWatch.waitFor(1, reached(alicesOrder, 'CONFIRMED'));

    const seenBy = (subscription: TestSubscription) =>
      new Set(subscription.results.map((result) => result.data?.orderStatusChanged?.orderId));
    expect(seenBy(aliceWatch).has(bobsOrder)).toBe(false);
    expect(seenBy(bobWatch).has(alicesOrder)).toBe(false);
    expect(JSON.stringify(aliceWatch.results)).not.toContain(bob.email);
  });

  it("should refuse a customer's subscription to another customer's order with NOT_FOUND", async () => {
    const subscription = await subscribe(bob.gateway, `subscription ($id: ID) { orderStatusChanged(orderId: $id) { to } }`, {
      id: alice.orderId,
    });
    const { error } = await subscription.ended;
    expect(JSON.stringify({ error, results: subscription.results })).toMatch(/NOT_FOUND/);
    expect(subscription.results.some((result) => result.data?.orderStatusChanged)).toBe(false);

    // An administrator may watch it, and ship it.
    const admin = await watch(stack.admin, `subscription ($id: ID) { orderStatusChanged(orderId: $id) { orderId to } }`, {
      id: alice.orderId,
    });
    await ok(stack.admin, `mutation ($id: ID!) { updateOrderStatus(id: $id, status: SHIPPED) { id } }`, { id: alice.orderId });
    await admin.waitFor(1, reached(alice.orderId, 'SHIPPED'));
  });
});
