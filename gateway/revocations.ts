// Whether an access token has been revoked since it was signed (its session ended, or its account
// moved to a newer token version: shared/auth/revocation-store.ts), asked on every request and
// answered mostly from memory. What the store said of a session is trusted for cacheMs (2 s), so
// a revocation reaches this gateway within that, while the store sees at most one read per
// session and cacheMs however many requests it sends. A session once revoked stays revoked, and a
// token newer than the version held (a fresh token just after a change of role) is checked with
// the store at once.
//
// While the store is unreachable (a Redis outage, or a gateway alone in its process on the
// in-process bus), what was read before it went away is kept: a token known to be revoked is still
// refused, any other is accepted. Revocations made during the outage take effect once it is over,
// or when the tokens expire.
import type { TokenSession } from '../shared/auth/access-token';
import type { RevocationState, RevocationStore } from '../shared/auth/revocation-store';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../shared/logger';

export interface TokenRevocationsOptions {
  logger: Logger;
  /** How long what the store said is trusted. */
  cacheMs?: number;
  /** Sessions remembered (for the outage too), least recently used forgotten. */
  maxSessions?: number;
  now?: () => number;
}

interface Known extends RevocationState {
  readAt: number;
}

export class TokenRevocations {
  private readonly known: LRUCache<string, Known>;
  private readonly reading = new Map<string, Promise<RevocationState>>();
  private readonly cacheMs: number;
  private readonly now: () => number;
  private unreachable = false;

  constructor(
    private readonly store: RevocationStore,
    private readonly options: TokenRevocationsOptions,
  ) {
    this.cacheMs = options.cacheMs ?? 2_000;
    this.now = options.now ?? Date.now;
    // Kept for a day: beyond any access token's lifetime (ACCESS_TOKEN_TTL_SECONDS is at most one).
    this.known = new LRUCache({
      max: options.maxSessions ?? 100_000,
      ttl: 24 * 60 * 60 * 1000,
      perf: { now: this.now },
      ttlResolution: 0,
    });
  }

  /** Whether a token of `userId` with `session` has not been revoked since it was signed. */
  async isCurrent(userId: string, session: TokenSession): Promise<boolean> {
    const key = `${userId}\n${session.sessionId}`;
    const known = this.known.get(key);
    if (known && (known.sessionRevoked || (this.now() - known.readAt < this.cacheMs && session.version <= known.version))) {
      return current(known, session);
    }
    try {
      return current(await this.read(key, userId, session.sessionId), session);
    } catch (error) {
      if (!this.unreachable) {
        this.options.logger.warn({ err: error }, 'token revocations unreachable: refusing only tokens known to be revoked');
      }
      this.unreachable = true;
      return !known || (!known.sessionRevoked && session.version >= known.version);
    }
  }

  /** One read per session at a time, however many requests wait for it. */
  private read(key: string, userId: string, sessionId: string): Promise<RevocationState> {
    let reading = this.reading.get(key);
    if (!reading) {
      reading = this.store.read(userId, sessionId).then((state) => {
        this.known.set(key, { ...state, readAt: this.now() });
        if (this.unreachable) this.options.logger.info('token revocations reachable again');
        this.unreachable = false;
        return state;
      });
      this.reading.set(key, reading);
      reading.then(
        () => this.reading.delete(key),
        () => this.reading.delete(key),
      );
    }
    return reading;
  }
}

/** Only a token of the account's current version, in a session still open. */
function current(state: RevocationState, { version }: TokenSession): boolean {
  return !state.sessionRevoked && version === state.version;
}
