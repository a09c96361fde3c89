// Identities for tests. Services under test run with the development keys and secrets
// (NODE_ENV=test), so tokens signed here with the development private key are what the user
// subgraph would issue: tests about something other than signing in use them to act as an
// administrator or a given customer. They carry token version 0, current for every account that
// was never deleted nor changed role. The sign-in flows themselves are tested through signUp and
// login.
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet } from 'jose';
import { signAccessToken, verifyAccessToken, type VerifiedAccessToken } from '../../shared/auth/access-token';
import { readAccessTokenSigningConfig, readInternalTokenConfig } from '../../shared/auth/config';
import type { Identity } from '../../shared/auth/identity';
import { IDENTITY_HEADER, signInternalToken } from '../../shared/auth/internal-token';
import { jsonWebKeySet } from '../../shared/auth/signing-keys';
import { EnvReader } from '../../shared/config';
import type { Endpoint } from './graphql';

const env = new EnvReader({ NODE_ENV: 'test' });
export const TEST_ACCESS_TOKENS = readAccessTokenSigningConfig(env);
export const TEST_INTERNAL_TOKENS = readInternalTokenConfig(env);

/** An administrator who needs no row in the user database to act. */
export const ADMIN: Identity = { userId: randomUUID(), role: 'ADMIN' };

export function customer(userId: string): Identity {
  return { userId, role: 'CUSTOMER' };
}

/** A token of a session of its own: ended only by a change of the account (deletion, role). */
export function accessToken(identity: Identity, ttlSeconds = TEST_ACCESS_TOKENS.ttlSeconds, version = 0): string {
  const session = { sessionId: randomUUID(), version };
  return signAccessToken(identity, session, TEST_ACCESS_TOKENS.signingKey, { ...TEST_ACCESS_TOKENS, ttlSeconds }).token;
}

const TEST_KEYS = createLocalJWKSet(jsonWebKeySet([TEST_ACCESS_TOKENS.signingKey]));

/** The identity in an access token the user subgraph issued, verified as the gateway does. */
export function verifyIssuedToken(token: string): Promise<VerifiedAccessToken> {
  return verifyAccessToken(token, TEST_KEYS, TEST_ACCESS_TOKENS);
}

/** `Authorization: Bearer ...` for requests through the gateway. */
export function bearer(identity: Identity): Record<string, string> {
  return { authorization: `Bearer ${accessToken(identity)}` };
}

/** The signed identity header the gateway sends, for requests straight to a subgraph. */
export function internalIdentity(identity: Identity, issuer = 'gateway'): Record<string, string> {
  return { [IDENTITY_HEADER]: signInternalToken(identity, issuer, TEST_INTERNAL_TOKENS) };
}

/**
 * `url` as `identity` calls it: through the gateway with an access token, or straight to a
 * subgraph with the internal identity header. Headers are signed afresh for every request, so an
 * endpoint outlives the tokens' lifetimes.
 */
export function as(identity: Identity, url: string, via: 'gateway' | 'subgraph'): Endpoint {
  return {
    url,
    get headers() {
      return via === 'gateway' ? bearer(identity) : internalIdentity(identity);
    },
  };
}
