// What ends access tokens before they expire, kept where the user subgraph writes it and the
// gateway reads it:
// - a session's revocation: logout (and a refresh token presented twice) ends the session its
//   refresh token belongs to; the tokens of that session (`sid`) are refused from then on, those
//   of the account's other sessions are not.
// - an account's token version: every access token carries its account's version at signing
//   (`ver`), and only tokens of the current one are accepted. Deleting an account or changing its
//   role moves it to the next version, ending the tokens of all its sessions at once; a token
//   signed after (a fresh login) carries the new version and works.
// Two stores behind one interface, like the event bus: Redis, shared by every process of a
// deployment, and memory, for the whole supergraph in one process.
import type Redis from 'ioredis';
import { LocalWriters } from '../local-writers';

/** What a token of `sid` at `version` is checked against. */
export interface RevocationState {
  /** The account's current token version: 0 until its first bump. */
  version: number;
  /** Whether the token's session has ended. */
  sessionRevoked: boolean;
}

export interface RevocationStore {
  /** The state a token of `userId`'s session `sessionId` is checked against; rejects while unreachable. */
  read(userId: string, sessionId: string): Promise<RevocationState>;
  /**
   * The version a token about to be signed carries. The record is kept at least `retainSeconds`
   * from now (the token's lifetime, and a margin), so that it outlives every token carrying it.
   */
  readForSigning(userId: string, retainSeconds: number): Promise<number>;
  /** Moves the account to a new version, kept at least `retainSeconds`; resolves with it. */
  bump(userId: string, retainSeconds: number): Promise<number>;
  /** Ends a session's tokens; remembered `retainSeconds`, after which none of them is alive. */
  revokeSession(sessionId: string, retainSeconds: number): Promise<void>;
}

/**
 * One key per account that has tokens alive, and one per revoked session, each expiring once none
 * of the tokens it concerns can be alive: every signing and every bump pushes an account's expiry
 * past the tokens it concerns, and tokens signed before its first bump have expired by then too.
 * The account then starts again at version 0, and its next tokens carry 0.
 */
export class RedisRevocationStore implements RevocationStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async read(userId: string, sessionId: string): Promise<RevocationState> {
    const [version, revoked] = await this.redis.mget(this.accountKey(userId), this.sessionKey(sessionId));
    return { version: Number(version ?? 0), sessionRevoked: revoked !== null };
  }

  async readForSigning(userId: string, retainSeconds: number): Promise<number> {
    const key = this.accountKey(userId);
    // EXPIRE leaves a missing key missing: an account never bumped stays at 0 without a record.
    const [[error, version] = []] = (await this.redis.multi().get(key).expire(key, retainSeconds).exec()) ?? [];
    if (error) throw error;
    return Number(version ?? 0);
  }

  async bump(userId: string, retainSeconds: number): Promise<number> {
    const key = this.accountKey(userId);
    const [[error, version] = []] = (await this.redis.multi().incr(key).expire(key, retainSeconds).exec()) ?? [];
    if (error) throw error;
    return Number(version);
  }

  async revokeSession(sessionId: string, retainSeconds: number): Promise<void> {
    await this.redis.set(this.sessionKey(sessionId), '1', 'EX', retainSeconds);
  }

  private accountKey(userId: string): string {
    return `${this.prefix}token-version:${userId}`;
  }

  private sessionKey(sessionId: string): string {
    return `${this.prefix}revoked-session:${sessionId}`;
  }
}

/**
 * The store in this process's memory. Only meaningful where the user subgraph, which writes it,
 * runs in the same process: reads fail until it has attached, so a gateway alone in its process
 * (its own memory never written) treats revocations as it does during a Redis outage, instead of
 * refusing every token of an account whose version moved elsewhere.
 */
export class InMemoryRevocationStore implements RevocationStore {
  private readonly versions = new Map<string, number>();
  private readonly revokedSessions = new Set<string>();
  private readonly writers = new LocalWriters();

  /** Declares the service of this process that writes; returns how to withdraw it (on stop). */
  attachWriter(): () => void {
    return this.writers.attach();
  }

  async read(userId: string, sessionId: string): Promise<RevocationState> {
    if (!this.writers.attached) throw new Error('no service of this process keeps token revocations');
    return { version: this.versions.get(userId) ?? 0, sessionRevoked: this.revokedSessions.has(sessionId) };
  }

  async readForSigning(userId: string): Promise<number> {
    return this.versions.get(userId) ?? 0;
  }

  async bump(userId: string): Promise<number> {
    const version = (this.versions.get(userId) ?? 0) + 1;
    this.versions.set(userId, version);
    return version;
  }

  async revokeSession(sessionId: string): Promise<void> {
    // Kept for the life of the process: sessions end far less often than requests come.
    this.revokedSessions.add(sessionId);
  }
}

const inProcess = new Map<string, InMemoryRevocationStore>();

/** The revocation store of this process under `prefix`, shared by every service in it. */
export function inProcessRevocationStore(prefix: string): InMemoryRevocationStore {
  let store = inProcess.get(prefix);
  if (!store) inProcess.set(prefix, (store = new InMemoryRevocationStore()));
  return store;
}
