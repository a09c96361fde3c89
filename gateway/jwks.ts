// The public keys access tokens are verified with, fetched from the user subgraph's JWKS
// (ACCESS_TOKEN_JWKS_URL) and kept in memory: jose imports each key once, on its first use, and
// every verification after uses the imported key.
//
// A token naming a key not in the set (a key rotation has begun) fetches the set again, at most
// once per cooldown, since anyone can send such a token. The set is also fetched again once it is
// older than maxAgeMs, in the background while the old keys keep serving, so that a key withdrawn
// from the JWKS (a rotation's end, or a compromised key) is no longer trusted after that long. A
// failed fetch keeps the keys held: a user subgraph that is down does not stop the gateway from
// verifying tokens; only with no keys at all are tokens unverifiable (SERVICE_UNAVAILABLE).
// jose's createRemoteJWKSet does most of this, but throws while the set is stale and unreachable,
// and says nothing when keys disappear, which the gateway's cache of verified tokens must hear.
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { VerificationKeysUnavailable } from '../shared/auth/access-token';
import type { Logger } from '../shared/logger';

export interface RemoteKeySetOptions {
  logger: Logger;
  /** Keys are fetched again once older than this. */
  maxAgeMs?: number;
  /** Between two fetches for unknown keys. */
  cooldownMs?: number;
  /** Between two attempts while no keys are held (start-up, before the user subgraph answers). */
  retryMs?: number;
  timeoutMs?: number;
  now?: () => number;
  /**
   * Called after a fetch found a key held until then withdrawn or changed: tokens verified with it
   * before must not be trusted any more.
   */
  onKeysWithdrawn?: () => void;
}

export class RemoteKeySet {
  private keys: JWTVerifyGetKey | undefined;
  /** The keys held, by kid, as JSON: what tells a withdrawn or replaced key. */
  private held = new Map<string, string>();
  private fetchedAt = -Infinity;
  private attemptedAt = -Infinity;
  private fetching: Promise<void> | undefined;
  private failing = false;
  private readonly maxAgeMs: number;
  private readonly cooldownMs: number;
  private readonly retryMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(
    private readonly url: string,
    private readonly options: RemoteKeySetOptions,
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
    this.cooldownMs = options.cooldownMs ?? 10_000;
    this.retryMs = options.retryMs ?? 1_000;
    this.timeoutMs = options.timeoutMs ?? 3_000;
    this.now = options.now ?? Date.now;
  }

  /** For jose's jwtVerify: the public key a token's header names. */
  readonly resolve: JWTVerifyGetKey = async (header, token) => {
    this.refreshIfStale();
    // A fetch under way is waited for, whoever started it.
    if (!this.keys) {
      if (this.fetching || this.now() - this.attemptedAt >= this.retryMs) await this.fetch();
      if (!this.keys) throw new VerificationKeysUnavailable(`no access token keys from ${this.url}`);
    }
    try {
      return await this.keys(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      if (!this.fetching && this.now() - this.attemptedAt < this.cooldownMs) throw error;
      await this.fetch();
      return this.keys(header, token);
    }
  };

  /** Starts fetching the keys again when they are older than maxAgeMs; never waits or throws. */
  refreshIfStale(): void {
    const now = this.now();
    if (this.keys && now - this.fetchedAt >= this.maxAgeMs && now - this.attemptedAt >= this.cooldownMs) void this.fetch();
  }

  /** Fetches the keys now (one fetch at a time); a failure is logged and keeps the keys held. */
  fetch(): Promise<void> {
    this.fetching ??= this.load().finally(() => (this.fetching = undefined));
    return this.fetching;
  }

  private async load(): Promise<void> {
    this.attemptedAt = this.now();
    let jwks: JSONWebKeySet;
    let keys: JWTVerifyGetKey;
    try {
      const response = await fetch(this.url, {
        headers: { accept: 'application/jwk-set+json, application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      jwks = (await response.json()) as JSONWebKeySet;
      keys = createLocalJWKSet(jwks);
    } catch (error) {
      // One line per outage, not one per attempt.
      if (!this.failing) this.options.logger.warn({ err: error, url: this.url }, 'could not fetch the access token keys');
      this.failing = true;
      return;
    }
    if (this.failing) this.options.logger.info({ url: this.url }, 'access token keys fetched again');
    this.failing = false;
    const held = new Map(jwks.keys.map((jwk) => [jwk.kid ?? '', JSON.stringify(jwk)]));
    const withdrawn = [...this.held].some(([kid, jwk]) => held.get(kid) !== jwk);
    this.keys = keys;
    this.held = held;
    this.fetchedAt = this.now();
    if (withdrawn) this.options.onKeysWithdrawn?.();
  }
}
