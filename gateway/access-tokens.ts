// Access tokens as the gateway checks them, once per request (once per socket, and again every
// second while it stays open): signature, issuer, audience and expiry with the user subgraph's
// public keys (jwks.ts), then whether the token has been revoked since (revocations.ts).
//
// A signature check costs a public-key operation (Ed25519 or P-256) where the HMAC before cost a
// hash, and clients send the same token for minutes: a token verified once is remembered until it
// expires, so later requests with it cost a map lookup. Remembered tokens are forgotten when a key
// is withdrawn from the JWKS. The revocation check runs on every request, remembered or not.
import type Redis from 'ioredis';
import type { AccessTokenVerificationConfig } from '../shared/auth/config';
import { unauthenticated } from '../shared/auth/identity';
import { verifyAccessToken, type VerifiedAccessToken } from '../shared/auth/access-token';
import { inProcessRevocationStore, RedisRevocationStore, type RevocationStore } from '../shared/auth/revocation-store';
import { LRUCache } from 'lru-cache';
import type { EventBusConfig } from '../shared/events/bus';
import { closeRedis, createRedis } from '../shared/events/redis';
import type { Logger } from '../shared/logger';
import { RemoteKeySet, type RemoteKeySetOptions } from './jwks';
import { TokenRevocations, type TokenRevocationsOptions } from './revocations';

/** Distinct tokens remembered as verified: the signed-in clients of the last minutes, or most of them. */
const VERIFIED_TOKENS = 20_000;

export interface AccessTokenVerifierOptions {
  logger: Logger;
  keys?: Omit<RemoteKeySetOptions, 'logger' | 'onKeysWithdrawn'>;
  revocations?: Omit<TokenRevocationsOptions, 'logger'>;
  now?: () => number;
}

export class AccessTokenVerifier {
  readonly keys: RemoteKeySet;
  private readonly revocations: TokenRevocations;
  private verified: LRUCache<string, VerifiedAccessToken>;
  private readonly now: () => number;

  constructor(
    private readonly config: AccessTokenVerificationConfig,
    store: RevocationStore,
    { logger, keys, revocations, now = Date.now }: AccessTokenVerifierOptions,
  ) {
    this.now = now;
    this.verified = this.emptyCache();
    this.keys = new RemoteKeySet(config.jwksUrl, {
      now,
      ...keys,
      logger,
      onKeysWithdrawn: () => {
        this.verified = this.emptyCache();
      },
    });
    this.revocations = new TokenRevocations(store, { now, ...revocations, logger });
  }

  /**
   * The identity in `token`: UNAUTHENTICATED (a GraphQLError with a message a client can show) for
   * a malformed, forged, expired or revoked one; SERVICE_UNAVAILABLE while no keys can be fetched.
   */
  async verify(token: string): Promise<VerifiedAccessToken> {
    this.keys.refreshIfStale();
    let verified = this.verified.get(token);
    if (!verified || verified.expiresAt * 1000 <= this.now()) {
      verified = await verifyAccessToken(token, this.keys.resolve, { ...this.config, now: this.now });
      this.verified.set(token, verified);
    }
    await this.requireCurrent(verified);
    return verified;
  }

  /** UNAUTHENTICATED when `verified` has been revoked since it was signed. */
  async requireCurrent(verified: VerifiedAccessToken): Promise<void> {
    if (!(await this.revocations.isCurrent(verified.userId, verified))) {
      throw unauthenticated('This access token has been revoked (signed out, or the account changed): sign in again.');
    }
  }

  private emptyCache(): LRUCache<string, VerifiedAccessToken> {
    // Entries go with their token's expiry (checked on use); the day is only an upper bound.
    return new LRUCache({ max: VERIFIED_TOKENS, ttl: 24 * 60 * 60 * 1000, perf: { now: this.now }, ttlResolution: 0 });
  }
}

/** The gateway's verifier, with its revocations on Redis or in this process; closed on stop. */
export function createAccessTokenVerifier(
  config: AccessTokenVerificationConfig,
  events: EventBusConfig,
  logger: Logger,
): { verifier: AccessTokenVerifier; start(): Promise<void>; stop(): Promise<void> } {
  // A request never waits for an unreachable Redis: its reads fail at once (revocations.ts says what then).
  const redis: Redis | null =
    events.redisUrl === null ? null : createRedis(events.redisUrl, `${events.prefix}gateway:token-revocations`, logger);
  const store: RevocationStore = redis ? new RedisRevocationStore(redis, events.prefix) : inProcessRevocationStore(events.prefix);
  const verifier = new AccessTokenVerifier(config, store, { logger });
  return {
    verifier,
    // The keys before the first request needs them; a user subgraph not up yet is retried then.
    start: () => verifier.keys.fetch(),
    stop: async () => {
      if (redis) await closeRedis(redis);
    },
  };
}
