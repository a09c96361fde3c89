// Secrets, keys and token settings, each service reading only what it needs: the user subgraph
// signs access tokens (the only holder of the private key); the gateway verifies them with the
// public keys the user subgraph publishes, and signs internal tokens; every subgraph verifies
// internal tokens. Nothing here is ever read from a file in the repository.
import type { EnvReader } from '../env';
import type { VariableName } from '../variables';
import type { AccessTokenSettings } from './access-token';
import type { InternalTokenConfig } from './internal-token';
import {
  DEVELOPMENT_ACCESS_TOKEN_KEY,
  isDevelopmentKey,
  JWKS_PATH,
  parseSigningKey,
  parseVerificationKeys,
  type SigningKey,
  type VerificationKey,
} from './signing-keys';

// Declared with the variable it is the development default of (production refuses it).
export { DEVELOPMENT_INTERNAL_SECRET } from '../variables';

export function readInternalTokenConfig(env: EnvReader): InternalTokenConfig {
  return { internalSecret: env.secret('INTERNAL_SECRET') };
}

function readAccessTokenSettings(env: EnvReader): AccessTokenSettings {
  return { issuer: env.string('JWT_ISSUER'), audience: env.string('JWT_AUDIENCE') };
}

/** What the user subgraph signs access tokens with, and publishes at JWKS_PATH. */
export interface AccessTokenSigningConfig extends AccessTokenSettings {
  /** ACCESS_TOKEN_SIGNING_KEY: signs every new token; its public half is published first. */
  signingKey: SigningKey;
  /**
   * ACCESS_TOKEN_PREVIOUS_KEYS: public keys still published during a rollover, so that tokens
   * signed before the switch keep working until they expire.
   */
  previousKeys: VerificationKey[];
  /** Lifetime of a new access token. */
  ttlSeconds: number;
}

export function readAccessTokenSigningConfig(env: EnvReader): AccessTokenSigningConfig {
  const signingText = env.string('ACCESS_TOKEN_SIGNING_KEY');
  const previousText = env.string('ACCESS_TOKEN_PREVIOUS_KEYS');
  const signingKey = readKey(env, 'ACCESS_TOKEN_SIGNING_KEY', signingText, parseSigningKey);
  const previousKeys = readKey(env, 'ACCESS_TOKEN_PREVIOUS_KEYS', previousText, parseVerificationKeys) ?? [];
  if (env.production) {
    if (signingKey && isDevelopmentKey(signingKey)) {
      env.problems.push('ACCESS_TOKEN_SIGNING_KEY must not be the development key in production');
    }
    if (previousKeys.some(isDevelopmentKey)) {
      env.problems.push('ACCESS_TOKEN_PREVIOUS_KEYS must not hold the development key in production');
    }
  }
  return {
    ...readAccessTokenSettings(env),
    // Only to satisfy the type when the key is missing or malformed: env.done() refuses to start.
    signingKey: signingKey ?? parseSigningKey(DEVELOPMENT_ACCESS_TOKEN_KEY),
    previousKeys,
    ttlSeconds: env.int('ACCESS_TOKEN_TTL_SECONDS'),
  };
}

/** What the gateway verifies access tokens with: public keys only, fetched from the user subgraph. */
export interface AccessTokenVerificationConfig extends AccessTokenSettings {
  /** ACCESS_TOKEN_JWKS_URL: the user subgraph's JWKS, by default beside its GraphQL endpoint. */
  jwksUrl: string;
}

/** `userSubgraphUrl`: where the gateway reaches the user subgraph's GraphQL endpoint. */
export function readAccessTokenVerificationConfig(env: EnvReader, userSubgraphUrl: string): AccessTokenVerificationConfig {
  // A malformed subgraph URL is reported where it is read; this one is then left empty.
  const jwksUrl = env.url('ACCESS_TOKEN_JWKS_URL', { derived: URL.parse(JWKS_PATH, userSubgraphUrl)?.href ?? '' });
  return { ...readAccessTokenSettings(env), jwksUrl };
}

/** `parse(text)`, or undefined with the problem recorded under `name`. */
function readKey<T>(env: EnvReader, name: VariableName, text: string, parse: (text: string) => T): T | undefined {
  if (!text) return undefined;
  try {
    return parse(text);
  } catch (error) {
    env.problems.push(`${name} ${(error as Error).message}`);
    return undefined;
  }
}
