// Secrets and token settings, each service reading only what it needs: the gateway verifies
// access tokens and signs internal ones; the user subgraph signs access tokens; every subgraph
// verifies internal tokens. Nothing here is ever read from a file in the repository.
import type { EnvReader } from '../env';
import type { AccessTokenConfig } from './access-token';
import type { InternalTokenConfig } from './internal-token';

// Well-known on purpose: development works out of the box, and production refuses to start with
// either of them (EnvReader.secret).
export const DEVELOPMENT_JWT_SECRET = 'development-only-jwt-secret-do-not-use-in-production';
export const DEVELOPMENT_INTERNAL_SECRET = 'development-only-internal-secret-do-not-use-in-production';

export function readInternalTokenConfig(env: EnvReader): InternalTokenConfig {
  return { internalSecret: env.secret('INTERNAL_SECRET', DEVELOPMENT_INTERNAL_SECRET) };
}

export function readAccessTokenConfig(env: EnvReader): AccessTokenConfig {
  return {
    jwtSecret: env.secret('JWT_SECRET', DEVELOPMENT_JWT_SECRET),
    issuer: env.string('JWT_ISSUER', 'shop-user-service'),
    audience: env.string('JWT_AUDIENCE', 'shop-api'),
    accessTokenTtlSeconds: env.int('ACCESS_TOKEN_TTL_SECONDS', 15 * 60, { min: 10, max: 24 * 60 * 60 }),
  };
}
