// Identities for tests. Services under test run with the development secrets (NODE_ENV=test), so
// tokens signed here with the same settings are what the user subgraph would issue: tests about
// something other than signing in use them to act as an administrator or a given customer. The
// sign-in flows themselves are tested through signUp and login.
import { randomUUID } from 'node:crypto';
import { signAccessToken } from '../../shared/auth/access-token';
import { readAccessTokenConfig, readInternalTokenConfig } from '../../shared/auth/config';
import type { Identity } from '../../shared/auth/identity';
import { IDENTITY_HEADER, signInternalToken } from '../../shared/auth/internal-token';
import { EnvReader } from '../../shared/config';
import type { Endpoint } from './graphql';

const env = new EnvReader({ NODE_ENV: 'test' });
export const TEST_ACCESS_TOKENS = readAccessTokenConfig(env);
export const TEST_INTERNAL_TOKENS = readInternalTokenConfig(env);

/** An administrator who needs no row in the user database to act. */
export const ADMIN: Identity = { userId: randomUUID(), role: 'ADMIN' };

export function customer(userId: string): Identity {
  return { userId, role: 'CUSTOMER' };
}

export function accessToken(identity: Identity, ttlSeconds = TEST_ACCESS_TOKENS.accessTokenTtlSeconds): string {
  return signAccessToken(identity, { ...TEST_ACCESS_TOKENS, accessTokenTtlSeconds: ttlSeconds }).token;
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
