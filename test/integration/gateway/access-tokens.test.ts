// The gateway's checks of access tokens, against a JWKS served over HTTP as the user subgraph
// serves it (jsonWebKeySet): signatures with the published public keys, key rotation, verified
// tokens remembered, and revocations read through a short cache, with a Redis outage. Time is a
// clock the test moves; only token expiry (checked by jose) uses the real one.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { GraphQLError } from 'graphql';
import { signAccessToken, type TokenSession } from '../../../shared/auth/access-token';
import type { Identity } from '../../../shared/auth/identity';
import {
  InMemoryRevocationStore,
  RedisRevocationStore,
  type RevocationState,
  type RevocationStore,
} from '../../../shared/auth/revocation-store';
import { jsonWebKeySet, parseSigningKey, type SigningKey } from '../../../shared/auth/signing-keys';
import { AccessTokenVerifier } from '../../../gateway/access-tokens';
import { connectTestRedis } from '../../support/streams';
import { TEST_EVENTS_PREFIX } from '../../support/events';
import { itWithRedis } from '../../support/requirements';

const silent = pino({ level: 'silent' });
const SETTINGS = { issuer: 'shop-user-service', audience: 'shop-api' };
const ALICE: Identity = { userId: randomUUID(), role: 'CUSTOMER' };

function newKey(type: 'ed25519' | 'P-256' = 'ed25519'): SigningKey {
  const pair = type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return parseSigningKey(JSON.stringify(pair.privateKey.export({ format: 'jwk' })));
}

function tokenOf(key: SigningKey, session: Partial<TokenSession> = {}, identity = ALICE, ttlSeconds = 3_600): string {
  return signAccessToken(identity, { sessionId: randomUUID(), version: 0, ...session }, key, { ...SETTINGS, ttlSeconds }).token;
}

/** The user subgraph's JWKS endpoint, serving whichever keys the test publishes. */
class JwksServer {
  published: SigningKey[] = [];
  fetches = 0;
  down = false;
  private readonly server = http.createServer((_req, res) => {
    this.fetches += 1;
    if (this.down) res.writeHead(503).end();
    else res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify(jsonWebKeySet(this.published)));
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const jwks = new JwksServer();
let jwksUrl: string;
let clock: number;
let store: InMemoryRevocationStore;
let detach: () => void;

beforeAll(async () => {
  jwksUrl = await jwks.start();
});

afterAll(() => jwks.stop());

beforeEach(() => {
  clock = Date.now();
  jwks.fetches = 0;
  jwks.down = false;
  store = new InMemoryRevocationStore();
  detach = store.attachWriter();
});

function verifier(revocations: RevocationStore = store) {
  return new AccessTokenVerifier({ ...SETTINGS, jwksUrl }, revocations, {
    logger: silent,
    keys: { maxAgeMs: 60_000, cooldownMs: 10_000, retryMs: 1_000 },
    revocations: { cacheMs: 2_000 },
    now: () => clock,
  });
}

/** `backing`, with some of its methods replaced. */
function backedBy(backing: RevocationStore, overrides: Partial<RevocationStore>): RevocationStore {
  return {
    read: (userId, sessionId) => backing.read(userId, sessionId),
    readForSigning: (userId, retain) => backing.readForSigning(userId, retain),
    bump: (userId, retain) => backing.bump(userId, retain),
    revokeSession: (sessionId, retain) => backing.revokeSession(sessionId, retain),
    ...overrides,
  };
}

/** The error a verification failed with, as the client would see it. */
async function refusal(promise: Promise<unknown>): Promise<{ code: unknown; message: string }> {
  const error = await promise.then(
    () => new Error('accepted'),
    (caught: unknown) => caught,
  );
  if (!(error instanceof GraphQLError)) throw error;
  return { code: error.extensions.code, message: error.message };
}

describe('signatures and key rotation', () => {
  it.each(['ed25519', 'P-256'] as const)('should accept a token signed with a published %s key', async (type) => {
    const key = newKey(type);
    jwks.published = [key];
    expect(await verifier().verify(tokenOf(key))).toMatchObject({ userId: ALICE.userId, role: 'CUSTOMER', version: 0 });
  });

  it('should accept tokens of the previous key during a rollover, fetch a new key when first named, and refuse unknown keys', async () => {
    const [old, current, unknown] = [newKey(), newKey('P-256'), newKey()];
    jwks.published = [old];
    const tokens = verifier();
    const before = tokenOf(old);
    await tokens.verify(before);
    // The rollover: the user subgraph signs with the new key and still publishes the old one.
    jwks.published = [current, old];
    clock += 11_000; // past the cooldown since the last fetch
    expect((await tokens.verify(tokenOf(current))).userId).toBe(ALICE.userId);
    expect(jwks.fetches).toBe(2);
    expect((await tokens.verify(before)).userId).toBe(ALICE.userId);
    expect((await tokens.verify(tokenOf(old))).userId).toBe(ALICE.userId);
    // A key nobody published: fetched for once more (past the cooldown), then refused.
    clock += 11_000;
    expect(await refusal(tokens.verify(tokenOf(unknown)))).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'The access token is not valid.',
    });
    expect(jwks.fetches).toBe(3);
    // Within the cooldown, unknown keys cost no fetch at all: anyone can send such a token.
    for (let i = 0; i < 5; i += 1) expect((await refusal(tokens.verify(tokenOf(unknown)))).code).toBe('UNAUTHENTICATED');
    expect(jwks.fetches).toBe(3);
  });

  it('should refuse tokens of a key withdrawn from the JWKS once the keys are fetched again, remembered ones too', async () => {
    const [old, current] = [newKey(), newKey()];
    jwks.published = [current, old];
    const tokens = verifier();
    const remembered = tokenOf(old);
    await tokens.verify(remembered);
    await tokens.verify(tokenOf(current));
    jwks.published = [current];
    // Until the keys are old enough to fetch again, the gateway trusts what it has.
    clock += 30_000;
    expect((await tokens.verify(remembered)).userId).toBe(ALICE.userId);
    expect(jwks.fetches).toBe(1);
    clock += 31_000;
    // The fetch starts in the background: the request that noticed is answered with the keys held.
    await tokens.verify(tokenOf(current));
    await tokens.keys.fetch();
    expect(jwks.fetches).toBeGreaterThanOrEqual(2);
    expect(await refusal(tokens.verify(remembered))).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'The access token is not valid.',
    });
    expect(await refusal(tokens.verify(tokenOf(old)))).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((await tokens.verify(tokenOf(current))).userId).toBe(ALICE.userId);
  });

  it('should verify a token once and answer it from memory after, until the key set changes', async () => {
    const key = newKey();
    jwks.published = [key];
    const tokens = verifier();
    const token = tokenOf(key);
    const first = await tokens.verify(token);
    expect(await tokens.verify(token)).toBe(first);
    // A token that differs in one character is verified on its own, and refused. The character is
    // inside the signature: the last one of base64url carries padding bits, which some changes
    // leave out of the decoded bytes.
    const at = token.length - 10;
    const tampered = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
    expect((await refusal(tokens.verify(tampered))).code).toBe('UNAUTHENTICATED');
  });

  it('should refuse an expired token even when remembered, and say it expired', async () => {
    const key = newKey();
    jwks.published = [key];
    const tokens = verifier();
    const shortLived = tokenOf(key, {}, ALICE, 1);
    await tokens.verify(shortLived);
    clock += 2_000;
    expect(await refusal(tokens.verify(shortLived))).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await refusal(tokens.verify(tokenOf(key, {}, ALICE, -1)))).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'The access token has expired: get a new one with refresh.',
    });
  });

  it('should answer SERVICE_UNAVAILABLE while no keys can be fetched, and verify once they can', async () => {
    const key = newKey();
    jwks.published = [key];
    jwks.down = true;
    const tokens = verifier();
    expect(await refusal(tokens.verify(tokenOf(key)))).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    // Retried at most once a second, however many requests come.
    await refusal(tokens.verify(tokenOf(key)));
    expect(jwks.fetches).toBe(1);
    jwks.down = false;
    clock += 1_000;
    expect((await tokens.verify(tokenOf(key))).userId).toBe(ALICE.userId);
  });

  it('should keep verifying with the keys it holds while the JWKS cannot be fetched again', async () => {
    const key = newKey();
    jwks.published = [key];
    const tokens = verifier();
    await tokens.verify(tokenOf(key));
    jwks.down = true;
    clock += 120_000;
    await tokens.keys.fetch();
    expect((await tokens.verify(tokenOf(key))).userId).toBe(ALICE.userId);
  });
});

describe('revocations', () => {
  const signing = newKey();
  const session = { sessionId: randomUUID(), version: 0 };

  beforeEach(() => {
    jwks.published = [signing];
  });

  it("should refuse a revoked session's tokens once the cache has expired, and no one else's", async () => {
    const tokens = verifier();
    const ending = tokenOf(signing, session);
    const other = tokenOf(signing);
    await tokens.verify(ending);
    await store.revokeSession(session.sessionId);
    // Trusted for 2 s: within them the token still works (that is the bound on revocation).
    clock += 1_000;
    expect((await tokens.verify(ending)).userId).toBe(ALICE.userId);
    clock += 1_000;
    expect(await refusal(tokens.verify(ending))).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'This access token has been revoked (signed out, or the account changed): sign in again.',
    });
    expect((await tokens.verify(other)).userId).toBe(ALICE.userId);
  });

  it("should refuse every session's tokens of an account moved to a new version, and take the new version at once", async () => {
    const tokens = verifier();
    const [first, second] = [
      { sessionId: randomUUID(), version: 0 },
      { sessionId: randomUUID(), version: 0 },
    ];
    await tokens.verify(tokenOf(signing, first));
    await tokens.verify(tokenOf(signing, second));
    const version = await store.bump(ALICE.userId);
    // A token of the new version in the same session (a refresh) is checked with the store at
    // once, not refused because of what the cache held for the session.
    expect((await tokens.verify(tokenOf(signing, { ...first, version }))).version).toBe(1);
    clock += 2_000;
    for (const old of [first, second]) expect((await refusal(tokens.verify(tokenOf(signing, old)))).code).toBe('UNAUTHENTICATED');
    // A token claiming a version the account never had is refused too.
    expect((await refusal(tokens.verify(tokenOf(signing, { version: 7 })))).code).toBe('UNAUTHENTICATED');
  });

  it('should read the store once per session and cache period, however many requests come', async () => {
    const reads: string[] = [];
    const counting = backedBy(store, {
      read: (userId, sessionId) => {
        reads.push(sessionId);
        return store.read(userId, sessionId);
      },
    });
    const tokens = verifier(counting);
    const token = tokenOf(signing, session);
    await Promise.all(Array.from({ length: 20 }, () => tokens.verify(token)));
    expect(reads).toEqual([session.sessionId]);
    clock += 2_000;
    await Promise.all(Array.from({ length: 20 }, () => tokens.verify(token)));
    expect(reads).toHaveLength(2);
  });

  it('should refuse only tokens known to be revoked while the store is unreachable', async () => {
    let reachable = true;
    const flaky = backedBy(store, {
      read: (userId, sessionId): Promise<RevocationState> =>
        reachable ? store.read(userId, sessionId) : Promise.reject(new Error('connect ECONNREFUSED')),
    });
    const tokens = verifier(flaky);
    const revoked = tokenOf(signing, session);
    const live = tokenOf(signing);
    await store.revokeSession(session.sessionId);
    await refusal(tokens.verify(revoked));
    await tokens.verify(live);
    reachable = false;
    clock += 10_000;
    expect((await refusal(tokens.verify(revoked))).code).toBe('UNAUTHENTICATED');
    expect((await tokens.verify(live)).userId).toBe(ALICE.userId);
    // A session revoked during the outage goes on until the store answers again.
    const during = { sessionId: randomUUID() };
    await tokens.verify(tokenOf(signing, during));
    await store.revokeSession(during.sessionId);
    clock += 10_000;
    expect((await tokens.verify(tokenOf(signing, during))).userId).toBe(ALICE.userId);
    reachable = true;
    expect((await refusal(tokens.verify(tokenOf(signing, during)))).code).toBe('UNAUTHENTICATED');
  });

  it('should treat a store no service of this process writes as unreachable (a gateway alone on the in-process bus)', async () => {
    detach();
    const tokens = verifier();
    expect((await tokens.verify(tokenOf(signing, { version: 3 }))).version).toBe(3);
  });
});

describe('revocations on Redis', () => {
  itWithRedis('should keep versions and revoked sessions under the prefix, each for as long as it is needed', async () => {
    const redis = connectTestRedis();
    try {
      const prefix = `${TEST_EVENTS_PREFIX}tokens-${randomUUID()}:`;
      const redisStore = new RedisRevocationStore(redis, prefix);
      const [userId, sessionId] = [randomUUID(), randomUUID()];
      expect(await redisStore.read(userId, sessionId)).toEqual({ version: 0, sessionRevoked: false });
      // Signing before any bump leaves nothing behind.
      expect(await redisStore.readForSigning(userId, 960)).toBe(0);
      expect(await redis.exists(`${prefix}token-version:${userId}`)).toBe(0);
      expect(await redisStore.bump(userId, 960)).toBe(1);
      expect(await redisStore.bump(userId, 960)).toBe(2);
      await redisStore.revokeSession(sessionId, 960);
      expect(await redisStore.read(userId, sessionId)).toEqual({ version: 2, sessionRevoked: true });
      expect(await redis.ttl(`${prefix}revoked-session:${sessionId}`)).toBeGreaterThan(950);
      // Each signing keeps the version at least as long as the token it signs.
      await redis.expire(`${prefix}token-version:${userId}`, 5);
      expect(await redisStore.readForSigning(userId, 960)).toBe(2);
      expect(await redis.ttl(`${prefix}token-version:${userId}`)).toBeGreaterThan(950);
      await redis.del(`${prefix}token-version:${userId}`, `${prefix}revoked-session:${sessionId}`);
    } finally {
      redis.disconnect();
    }
  });
});
