// Signing up, in and out, refresh-token rotation and the login throttle, against the real user
// subgraph.
import { createHash, generateKeyPairSync } from 'node:crypto';
import Redis from 'ioredis';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import pino from 'pino';
import { JWKS_PATH, jsonWebKeySet, parseSigningKey, type JsonWebKeySet } from '../../../shared/auth/signing-keys';
import { EnvReader } from '../../../shared/config';
import { createTestDatabases, type TestDatabases } from '../../support/databases';
import { customer, TEST_ACCESS_TOKENS, verifyIssuedToken } from '../../support/auth';
import { errorCodes, graphql, ok } from '../../support/graphql';
import { TEST_EVENTS_PREFIX, TEST_REDIS_URL } from '../../support/events';
import { startTestSubgraph, type TestSubgraph } from '../../support/subgraphs';
import { userSubgraph } from '../../../subgraphs/user/server';
import { readUserConfig } from '../../../subgraphs/user/config';
import type { Db } from '../../../subgraphs/user/db';
import { LoginThrottle } from '../../../subgraphs/user/login-throttle';
import { itWithRedis } from '../../support/requirements';

let databases: TestDatabases;
let subgraph: TestSubgraph<Db>;

/** Small, so that the throttle's tests reach it quickly; no other test fails a login this often. */
const FAILURES_PER_ACCOUNT = 3;

beforeAll(async () => {
  databases = await createTestDatabases(['user']);
  subgraph = await startTestSubgraph(userSubgraph, databases.user, { LOGIN_FAILURES_PER_ACCOUNT: String(FAILURES_PER_ACCOUNT) });
});

afterAll(async () => {
  await subgraph?.close();
  await databases?.drop();
});

const PAYLOAD = `accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt user { id email name role }`;
const SIGN_UP = `mutation ($input: SignUpInput!) { signUp(input: $input) { ${PAYLOAD} } }`;
const LOGIN = `mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { ${PAYLOAD} } }`;
const REFRESH = `mutation ($token: String!) { refresh(refreshToken: $token) { ${PAYLOAD} } }`;
const LOGOUT = `mutation ($token: String!) { logout(refreshToken: $token) }`;
const ME = `{ me { id email role } }`;

interface AuthPayload {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
  user: { id: string; email: string; name: string; role: string };
}

const PASSWORD = 'correct horse battery';

let counter = 0;
function buildSignUp(overrides: Record<string, unknown> = {}) {
  counter += 1;
  return { email: `account${counter}@example.com`, password: PASSWORD, name: `Account ${counter}`, ...overrides };
}

async function signUp(overrides: Record<string, unknown> = {}): Promise<AuthPayload> {
  return (await ok<{ signUp: AuthPayload }>(subgraph.url, SIGN_UP, { input: buildSignUp(overrides) })).signUp;
}

async function refresh(token: string): Promise<AuthPayload> {
  return (await ok<{ refresh: AuthPayload }>(subgraph.url, REFRESH, { token })).refresh;
}

async function refreshFails(token: string): Promise<void> {
  const response = await graphql(subgraph.url, REFRESH, { token });
  expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
}

describe('signUp', () => {
  it('should create a customer and return an access token for them that verifies', async () => {
    const before = Date.now();
    const session = await signUp({ email: 'New.Customer@Example.com', name: 'New Customer' });
    expect(session.user).toMatchObject({ email: 'new.customer@example.com', name: 'New Customer', role: 'CUSTOMER' });
    const verified = await verifyIssuedToken(session.accessToken);
    expect(verified).toMatchObject({ userId: session.user.id, role: 'CUSTOMER' });
    expect(new Date(session.accessTokenExpiresAt).getTime()).toBe(verified.expiresAt * 1000);
    expect(verified.expiresAt * 1000).toBeGreaterThan(before);
    expect(new Date(session.refreshTokenExpiresAt).getTime()).toBeGreaterThan(new Date(session.accessTokenExpiresAt).getTime());
  });

  it('should make a customer even when an administrator signs up, and refuse a role in the input', async () => {
    const { signUp: viaAdmin } = await ok(subgraph.admin, SIGN_UP, { input: buildSignUp() });
    expect(viaAdmin.user.role).toBe('CUSTOMER');
    const input = buildSignUp({ role: 'ADMIN' });
    const response = await graphql(subgraph.url, SIGN_UP, { input });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(await subgraph.db.user.count({ where: { email: input.email } })).toBe(0);
  });

  it.each([
    ['shorter than 10 characters', 'short-pw9', /at least 10 characters/],
    ['longer than 128 characters', 'x'.repeat(129), /at most 128 characters/],
    ['the email address', 'Same.As@Example.com', /not be the email address/],
  ])('should refuse a password %s with BAD_USER_INPUT on the password field', async (_, password, rule) => {
    const input = buildSignUp({ email: 'same.as@example.com', password });
    const response = await graphql(subgraph.url, SIGN_UP, { input });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.extensions?.field).toBe('password');
    expect(response.errors?.[0]?.message).toMatch(rule);
    expect(await subgraph.db.user.count({ where: { email: input.email } })).toBe(0);
  });

  it('should accept passwords of exactly 10 and 128 characters', async () => {
    await signUp({ password: 'x'.repeat(10) });
    await signUp({ password: 'y'.repeat(128) });
  });

  it('should answer CONFLICT on the email field when the email is taken', async () => {
    const { user } = await signUp();
    const response = await graphql(subgraph.url, SIGN_UP, { input: buildSignUp({ email: user.email.toUpperCase() }) });
    expect(errorCodes(response)).toEqual(['CONFLICT']);
    expect(response.errors?.[0]?.extensions?.field).toBe('email');
  });
});

describe('passwords', () => {
  it('should not expose a password hash in the schema', async () => {
    const response = await graphql(
      subgraph.admin,
      `
        {
          users {
            edges {
              node {
                passwordHash
              }
            }
          }
        }
      `,
    );
    expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const { __type } = await ok(subgraph.url, `{ __type(name: "User") { fields { name } } }`);
    expect(__type.fields.map((field: { name: string }) => field.name).filter((name: string) => /password/i.test(name))).toEqual(
      [],
    );
  });

  it('should store a salted slow hash: never the password, different for two users with the same one', async () => {
    const [first, second] = [await signUp(), await signUp()];
    const rows = await subgraph.db.user.findMany({ where: { id: { in: [first.user.id, second.user.id] } } });
    const hashes = rows.map((row) => row.passwordHash ?? '');
    for (const hash of hashes) {
      expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
      expect(hash).not.toContain(PASSWORD);
    }
    expect(new Set(hashes).size).toBe(2);
  });
});

describe('login', () => {
  it('should sign in with the right password, starting a new session', async () => {
    const account = buildSignUp();
    const first = (await ok(subgraph.url, SIGN_UP, { input: account })).signUp as AuthPayload;
    const { login } = await ok<{ login: AuthPayload }>(subgraph.url, LOGIN, {
      email: `  ${account.email.toUpperCase()} `,
      password: account.password,
    });
    expect(login.user.id).toBe(first.user.id);
    expect(await verifyIssuedToken(login.accessToken)).toMatchObject({ userId: first.user.id, role: 'CUSTOMER' });
    expect(login.refreshToken).not.toBe(first.refreshToken);
    const families = await subgraph.db.refreshToken.findMany({ where: { userId: first.user.id }, select: { familyId: true } });
    expect(new Set(families.map((row) => row.familyId)).size).toBe(2);
  });

  it('should answer a wrong password, an unknown email and an account without a password alike', async () => {
    const { user } = await signUp();
    const { createUser } = await ok(
      subgraph.admin,
      `mutation { createUser(input: { email: "nopassword@example.com", name: "No Password" }) { email } }`,
    );
    const attempts = [
      { email: user.email, password: 'wrong password' },
      { email: 'nobody@example.com', password: PASSWORD },
      { email: createUser.email, password: PASSWORD },
      { email: user.email, password: 'x'.repeat(10_000) },
    ];
    for (const attempt of attempts) {
      const response = await graphql(subgraph.url, LOGIN, attempt);
      expect(response.data).toBeNull();
      expect(response.errors?.map(({ message, extensions }) => ({ message, code: extensions?.code }))).toEqual([
        { message: 'Email or password is incorrect.', code: 'UNAUTHENTICATED' },
      ]);
    }
  });

  it('should let an account an administrator created with a password log in, with its role', async () => {
    await ok(
      subgraph.admin,
      `mutation { createUser(input: { email: "staff@example.com", name: "Staff", role: ADMIN, password: "staff-password" }) { id } }`,
    );
    const { login } = await ok<{ login: AuthPayload }>(subgraph.url, LOGIN, {
      email: 'staff@example.com',
      password: 'staff-password',
    });
    expect((await verifyIssuedToken(login.accessToken)).role).toBe('ADMIN');
  });

  it('should apply the password rules to createUser too', async () => {
    const response = await graphql(
      subgraph.admin,
      `
        mutation {
          createUser(input: { email: "weak@example.com", name: "Weak", password: "short" }) {
            id
          }
        }
      `,
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.extensions?.field).toBe('password');
  });
});

describe('login throttle', () => {
  const WRONG = 'not the password';

  async function loginCode(email: string, password: string): Promise<string | undefined> {
    const response = await graphql(subgraph.url, LOGIN, { email, password });
    return response.errors ? errorCodes(response)[0] : 'OK';
  }

  /** The next attempt is refused RATE_LIMITED, with a wait the client can honour. */
  async function expectThrottled(email: string, password: string): Promise<void> {
    const response = await graphql(subgraph.url, LOGIN, { email, password });
    expect(response.data).toBeNull();
    expect(response.errors?.map(({ message, extensions }) => ({ message, extensions }))).toEqual([
      {
        message: expect.stringMatching(/^Too many failed logins for this account; try again in \d+ seconds\.$/),
        extensions: { code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) },
      },
    ]);
    const wait = response.errors?.[0]?.extensions?.retryAfterSeconds as number;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(15 * 60);
  }

  it('should refuse an account after too many wrong passwords, even the right one, and no other account', async () => {
    const account = buildSignUp();
    const other = buildSignUp();
    await Promise.all([account, other].map((input) => ok(subgraph.url, SIGN_UP, { input })));
    // Every spelling login accepts counts against the one account.
    const spellings = [account.email, account.email.toUpperCase(), `  ${account.email} `];
    for (const email of spellings) expect(await loginCode(email, WRONG)).toBe('UNAUTHENTICATED');
    await expectThrottled(account.email, account.password);
    expect(await loginCode(other.email, other.password)).toBe('OK');
  });

  it('should throttle an unknown email exactly like an account, revealing nothing', async () => {
    const unknown = `nobody-${Date.now()}@example.com`;
    for (let attempt = 0; attempt < FAILURES_PER_ACCOUNT; attempt += 1) {
      expect(await loginCode(unknown, PASSWORD)).toBe('UNAUTHENTICATED');
    }
    await expectThrottled(unknown, PASSWORD);
  });

  it('should forgive the failures of an account that logs in before reaching the limit', async () => {
    const account = buildSignUp();
    await ok(subgraph.url, SIGN_UP, { input: account });
    for (let attempt = 1; attempt < FAILURES_PER_ACCOUNT; attempt += 1) {
      expect(await loginCode(account.email, WRONG)).toBe('UNAUTHENTICATED');
    }
    expect(await loginCode(account.email, account.password)).toBe('OK');
    // A whole budget again: without the reset the first of these would already be refused.
    for (let attempt = 0; attempt < FAILURES_PER_ACCOUNT; attempt += 1) {
      expect(await loginCode(account.email, WRONG)).toBe('UNAUTHENTICATED');
    }
    await expectThrottled(account.email, account.password);
  });

  it('should not let concurrent guesses check more passwords than the budget allows', async () => {
    const account = buildSignUp();
    await ok(subgraph.url, SIGN_UP, { input: account });
    const codes = await Promise.all([1, 2, 3, 4, 5, 6].map(() => loginCode(account.email, WRONG)));
    expect(codes.sort()).toEqual([
      ...Array<string>(FAILURES_PER_ACCOUNT).fill('RATE_LIMITED'),
      ...Array<string>(6 - FAILURES_PER_ACCOUNT).fill('UNAUTHENTICATED'),
    ]);
  });

  itWithRedis("should count in Redis under the service's prefix, without the email in the key", async () => {
    const account = buildSignUp();
    await ok(subgraph.url, SIGN_UP, { input: account });
    expect(await loginCode(account.email, WRONG)).toBe('UNAUTHENTICATED');
    const redis = new Redis(TEST_REDIS_URL);
    try {
      // Hashed: a fixed-size key, whatever length of email a client sends.
      const key = `${TEST_EVENTS_PREFIX}rate:login:${createHash('sha256').update(account.email).digest('hex')}`;
      expect(await redis.get(key)).toBe('1');
      expect(await redis.keys(`${TEST_EVENTS_PREFIX}rate:login:*@*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('should be off, and need no Redis, with LOGIN_FAILURES_PER_ACCOUNT=0', async () => {
    const config = readUserConfig(new EnvReader({ LOGIN_FAILURES_PER_ACCOUNT: '0' }));
    expect(config.loginThrottle).toEqual({ failuresPerAccount: 0, windowSeconds: 900 });
    const unreachable = { redisUrl: 'redis://127.0.0.1:1', prefix: TEST_EVENTS_PREFIX, relay: false };
    const throttle = new LoginThrottle(config.loginThrottle, unreachable, pino({ level: 'silent' }));
    const started = Date.now();
    // With a connection to make, start() would wait for the unreachable Redis.
    await throttle.start();
    expect(Date.now() - started).toBeLessThan(1_000);
    for (let attempt = 0; attempt < 20; attempt += 1) await throttle.attempt('someone@example.com');
    await throttle.stop();
  });

  it('should default to 10 failures in 15 minutes', () => {
    expect(readUserConfig(new EnvReader({})).loginThrottle).toEqual({ failuresPerAccount: 10, windowSeconds: 900 });
  });
});

describe('refresh', () => {
  it('should rotate: new tokens for the same user, the refresh token stored only as its hash', async () => {
    const session = await signUp();
    const next = await refresh(session.refreshToken);
    expect(next.user.id).toBe(session.user.id);
    expect(next.refreshToken).not.toBe(session.refreshToken);
    expect((await verifyIssuedToken(next.accessToken)).userId).toBe(session.user.id);
    const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');
    const [used, successor] = await Promise.all(
      [session.refreshToken, next.refreshToken].map((token) =>
        subgraph.db.refreshToken.findUnique({ where: { tokenHash: sha256(token) } }),
      ),
    );
    expect(used).toMatchObject({ userId: session.user.id, usedAt: expect.any(Date), revokedAt: null });
    expect(successor).toMatchObject({ userId: session.user.id, familyId: used?.familyId, usedAt: null, revokedAt: null });
    expect(await subgraph.db.refreshToken.count({ where: { userId: session.user.id } })).toBe(2);
  });

  it('should refuse a used refresh token and then end its whole session, successor included', async () => {
    const session = await signUp();
    const next = await refresh(session.refreshToken);
    await refreshFails(session.refreshToken);
    await refreshFails(next.refreshToken);
  });

  it('should let exactly one of two concurrent refreshes with one token win, and then end the session', async () => {
    const session = await signUp();
    const responses = await Promise.all([1, 2].map(() => graphql(subgraph.url, REFRESH, { token: session.refreshToken })));
    const winners = responses.filter((response) => !response.errors);
    expect(winners).toHaveLength(1);
    expect(responses.flatMap(errorCodes)).toEqual(['UNAUTHENTICATED']);
    await refreshFails(winners[0]?.data?.refresh.refreshToken);
  });

  it("should put the user's current role into the new access token", async () => {
    const session = await signUp();
    await ok(subgraph.admin, `mutation ($id: ID!) { updateUser(id: $id, input: { role: ADMIN }) { id } }`, {
      id: session.user.id,
    });
    const next = await refresh(session.refreshToken);
    expect((await verifyIssuedToken(next.accessToken)).role).toBe('ADMIN');
    expect(next.user.role).toBe('ADMIN');
  });

  it('should refuse an expired refresh token', async () => {
    const session = await signUp();
    await subgraph.db.refreshToken.updateMany({
      where: { userId: session.user.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const response = await graphql(subgraph.url, REFRESH, { token: session.refreshToken });
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.errors?.[0]?.message).toMatch(/expired/);
  });

  it('should refuse an unknown refresh token', async () => {
    await refreshFails('not-a-token-this-service-ever-issued');
  });

  it("should refuse a deleted user's refresh tokens", async () => {
    const session = await signUp();
    await ok(subgraph.admin, `mutation ($id: ID!) { deleteUser(id: $id) { id } }`, { id: session.user.id });
    expect(await subgraph.db.refreshToken.count({ where: { userId: session.user.id } })).toBe(0);
    await refreshFails(session.refreshToken);
  });
});

describe('logout', () => {
  it('should end the session: its refresh token no longer works', async () => {
    const session = await signUp();
    const next = await refresh(session.refreshToken);
    expect(await ok(subgraph.url, LOGOUT, { token: next.refreshToken })).toEqual({ logout: true });
    await refreshFails(next.refreshToken);
  });

  it('should leave the same user’s other sessions alone', async () => {
    const account = buildSignUp();
    const first = (await ok(subgraph.url, SIGN_UP, { input: account })).signUp as AuthPayload;
    const { login: second } = await ok(subgraph.url, LOGIN, { email: account.email, password: account.password });
    await ok(subgraph.url, LOGOUT, { token: first.refreshToken });
    await refresh(second.refreshToken);
  });

  it('should answer true again for a session already ended and for an unknown token', async () => {
    const session = await signUp();
    await ok(subgraph.url, LOGOUT, { token: session.refreshToken });
    expect(await ok(subgraph.url, LOGOUT, { token: session.refreshToken })).toEqual({ logout: true });
    expect(await ok(subgraph.url, LOGOUT, { token: 'unknown' })).toEqual({ logout: true });
  });
});

describe('me', () => {
  it('should answer the signed-in user', async () => {
    const { user } = await signUp();
    const { me } = await ok(subgraph.as(customer(user.id)), ME);
    expect(me).toEqual({ id: user.id, email: user.email, role: 'CUSTOMER' });
  });

  it('should answer UNAUTHENTICATED when anonymous', async () => {
    expect(errorCodes(await graphql(subgraph.url, ME))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('access token keys', () => {
  const jwksOf = (graphqlUrl: string) => new URL(JWKS_PATH, graphqlUrl).href;

  it('should publish its public key at /.well-known/jwks.json, and sign with it', async () => {
    const response = await fetch(jwksOf(subgraph.url));
    expect(response.headers.get('content-type')).toMatch(/^application\/jwk-set\+json/);
    const jwks = (await response.json()) as JsonWebKeySet;
    expect(jwks).toEqual(jsonWebKeySet([TEST_ACCESS_TOKENS.signingKey]));
    expect(JSON.stringify(jwks)).not.toMatch(/"d"/);
    const session = await signUp();
    const { payload, protectedHeader } = await jwtVerify(session.accessToken, createRemoteJWKSet(new URL(jwksOf(subgraph.url))));
    expect(protectedHeader).toEqual({ alg: 'EdDSA', kid: TEST_ACCESS_TOKENS.signingKey.kid, typ: 'JWT' });
    expect(payload).toMatchObject({ sub: session.user.id, role: 'CUSTOMER', ver: 0, sid: expect.any(String) });
  });

  it('should sign with the new key during a rollover and still publish the previous one', async () => {
    const next = JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }));
    const previous = TEST_ACCESS_TOKENS.signingKey;
    const rolled = await startTestSubgraph(userSubgraph, databases.user, {
      ACCESS_TOKEN_SIGNING_KEY: next,
      ACCESS_TOKEN_PREVIOUS_KEYS: JSON.stringify(previous.jwk),
    });
    try {
      const jwks = (await (await fetch(jwksOf(rolled.url))).json()) as JsonWebKeySet;
      expect(jwks.keys.map((key) => [key.alg, key.kid])).toEqual([
        ['ES256', parseSigningKey(next).kid],
        ['EdDSA', previous.kid],
      ]);
      const keys = createRemoteJWKSet(new URL(jwksOf(rolled.url)));
      const { login } = await ok<{ login: AuthPayload }>(rolled.url, LOGIN, {
        email: (await signUp()).user.email,
        password: PASSWORD,
      });
      expect((await jwtVerify(login.accessToken, keys)).protectedHeader.kid).toBe(parseSigningKey(next).kid);
      // A token the previous key signed before the switch still verifies against the new JWKS.
      expect((await jwtVerify((await signUp()).accessToken, keys)).protectedHeader.kid).toBe(previous.kid);
    } finally {
      await rolled.close();
    }
  });
});
