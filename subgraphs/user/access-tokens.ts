// Access tokens as this subgraph hands them out: signed with its private key for one session at
// the account's current token version; ended before they expire by revoking their session
// (logout) or by moving the account to its next version (deletion, a change of role), both in
// shared/auth/revocation-store.ts, where the gateway sees them within seconds.
//
// While Redis is unreachable, signing uses the last version this instance knew (0 when none): a
// token signed with a version that turns out stale is refused once Redis is back, and the client
// refreshes. A revocation that cannot reach Redis does not fail the mutation that asked for it
// (the session or account is changed in the database all the same): it is kept and applied as
// soon as Redis answers again, and the tokens it ends expire within ACCESS_TOKEN_TTL_SECONDS in
// any case.
import type Redis from 'ioredis';
import { signAccessToken } from '../../shared/auth/access-token';
import type { AccessTokenSigningConfig } from '../../shared/auth/config';
import type { Identity } from '../../shared/auth/identity';
import { jsonWebKeySet, type JsonWebKeySet } from '../../shared/auth/signing-keys';
import { inProcessRevocationStore, RedisRevocationStore, type RevocationStore } from '../../shared/auth/revocation-store';
import { LRUCache } from 'lru-cache';
import type { EventBusConfig, Worker } from '../../shared/events/bus';
import { closeRedis, createRedis } from '../../shared/events/redis';
import type { Logger } from '../../shared/logger';

/** The longest a login, refresh or revocation waits for Redis. */
const REDIS_WAIT_MS = 500;
/** Kept beyond a token's lifetime, for hosts whose clocks differ a little. */
const RETAIN_MARGIN_SECONDS = 60;
/** Last versions seen, for signing during an outage. */
const REMEMBERED_ACCOUNTS = 10_000;
/** How often revocations that could not reach Redis are tried again. */
const RETRY_MS = 1_000;

export class AccessTokenIssuer implements Worker {
  private readonly redis: Redis | null;
  private readonly store: RevocationStore;
  private readonly detach: (() => void) | undefined;
  private readonly known: LRUCache<string, number>;
  private readonly retainSeconds: number;
  /** Revocations that have not reached Redis yet, by what they revoke. */
  private readonly pending = new Map<string, () => Promise<unknown>>();
  private retries: NodeJS.Timeout | undefined;
  private retrying = false;
  /** The public keys, served at JWKS_PATH: the same document for every request. */
  readonly jwks: JsonWebKeySet;

  constructor(
    private readonly config: AccessTokenSigningConfig,
    events: EventBusConfig,
    private readonly logger: Logger,
  ) {
    this.retainSeconds = config.ttlSeconds + RETAIN_MARGIN_SECONDS;
    this.known = new LRUCache({ max: REMEMBERED_ACCOUNTS, ttl: this.retainSeconds * 1000 });
    this.jwks = jsonWebKeySet([config.signingKey, ...config.previousKeys]);
    if (events.redisUrl === null) {
      // The whole supergraph in one process: the gateway reads the same memory.
      this.redis = null;
      const store = inProcessRevocationStore(events.prefix);
      this.detach = store.attachWriter();
      this.store = store;
    } else {
      this.redis = createRedis(events.redisUrl, `${events.prefix}user:token-revocations`, logger);
      this.store = new RedisRevocationStore(this.redis, events.prefix);
      this.detach = undefined;
    }
  }

  /**
   * A new access token for `identity` in session `sessionId` (its refresh-token family), with the
   * expiry it carries (seconds since the epoch).
   */
  async issue(identity: Identity, sessionId: string): Promise<{ token: string; expiresAt: number }> {
    const { userId } = identity;
    let version: number;
    try {
      version = await within(REDIS_WAIT_MS, this.store.readForSigning(userId, this.retainSeconds));
      this.known.set(userId, version);
    } catch (error) {
      version = this.known.get(userId) ?? 0;
      this.logger.warn({ err: error, userId }, 'token version unavailable: signing with the last one known');
    }
    return signAccessToken(identity, { sessionId, version }, this.config.signingKey, this.config);
  }

  /** Ends the access tokens of one session (within the gateway's few seconds). */
  revokeSession(sessionId: string): Promise<void> {
    return this.revoke(`session:${sessionId}`, () => this.store.revokeSession(sessionId, this.retainSeconds));
  }

  /** Ends every access token of `userId` signed until now, in every session. */
  revokeAccount(userId: string): Promise<void> {
    return this.revoke(`account:${userId}`, async () => {
      this.known.set(userId, await this.store.bump(userId, this.retainSeconds));
    });
  }

  async start(): Promise<void> {
    this.retries = setInterval(() => void this.applyPending(), RETRY_MS);
    this.retries.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.retries);
    this.detach?.();
    if (this.redis) await closeRedis(this.redis);
  }

  private async revoke(what: string, write: () => Promise<unknown>): Promise<void> {
    if (await succeeds(write)) return;
    this.pending.set(what, write);
    this.logger.error({ revoking: what }, 'access tokens not revoked yet: they stop working once Redis answers again, or expire');
  }

  private async applyPending(): Promise<void> {
    if (this.retrying || !this.pending.size) return;
    this.retrying = true;
    try {
      for (const [what, write] of [...this.pending]) {
        if (!(await succeeds(write))) return; // still unreachable: the next round goes on
        this.pending.delete(what);
        this.logger.info({ revoking: what }, 'access tokens revoked, once Redis answered again');
      }
    } finally {
      this.retrying = false;
    }
  }
}

/** Whether `write` reached Redis within REDIS_WAIT_MS. */
async function succeeds(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await within(REDIS_WAIT_MS, write());
    return true;
  } catch {
    return false;
  }
}

/** `work`, or a rejection after `ms` (the work itself goes on). */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Redis within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
