import { readAccessTokenSigningConfig, type AccessTokenSigningConfig } from '../../shared/auth/config';
import { readSubgraphConfig, type EnvReader, type SubgraphConfig } from '../../shared/config';
import type { LoginThrottleConfig } from './login-throttle';

export interface UserConfig extends SubgraphConfig {
  /** Signs the access tokens login, signUp and refresh hand out (the gateway verifies them). */
  accessTokens: AccessTokenSigningConfig;
  /** How long a refresh token may wait before it is used: REFRESH_TOKEN_TTL_SECONDS. */
  refreshTokenTtlSeconds: number;
  /** Failed logins an account may take within a window before login refuses it for the rest. */
  loginThrottle: LoginThrottleConfig;
}

export function readUserConfig(env: EnvReader): UserConfig {
  return {
    ...readSubgraphConfig(env, 'user'),
    accessTokens: readAccessTokenSigningConfig(env),
    refreshTokenTtlSeconds: env.int('REFRESH_TOKEN_TTL_SECONDS'),
    loginThrottle: {
      failuresPerAccount: env.int('LOGIN_FAILURES_PER_ACCOUNT'),
      windowSeconds: env.int('LOGIN_FAILURE_WINDOW_SECONDS'),
    },
  };
}
