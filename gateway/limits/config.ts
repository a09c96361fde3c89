// The gateway's abuse limits, read from the environment. Every limit takes 0 for "off", which is
// what benchmarks want; the defaults (shared/variables.ts) fit production traffic of this
// supergraph (every example operation in operations/ stays well within them, and a test keeps it
// that way).
import type { EnvReader } from '../../shared/config';
import type { QueryLimits } from '../../shared/limits/operation-limits';
import { defaultOf } from '../../shared/variables';

export interface RateLimitConfig {
  /** Requests (and WebSocket connection attempts) per client address and minute. */
  ipPerMinute: number;
  /** Requests (and WebSocket operations) per signed-in user and minute. */
  userPerMinute: number;
  /**
   * Proxies in front of the gateway that append to X-Forwarded-For (a load balancer: 1). With 0
   * the header is ignored, so a client cannot pick its own address to dodge the limit.
   */
  trustedProxies: number;
}

export interface LimitsConfig {
  query: QueryLimits;
  rate: RateLimitConfig;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxDepth: defaultOf('MAX_QUERY_DEPTH'),
  maxAliases: defaultOf('MAX_ALIASES'),
  maxTokens: defaultOf('MAX_TOKENS'),
  maxCost: defaultOf('MAX_QUERY_COST'),
};
export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  ipPerMinute: defaultOf('RATE_LIMIT_IP_PER_MINUTE'),
  userPerMinute: defaultOf('RATE_LIMIT_USER_PER_MINUTE'),
  trustedProxies: defaultOf('TRUST_PROXY'),
};

export function readLimitsConfig(env: EnvReader): LimitsConfig {
  return {
    query: {
      maxDepth: env.int('MAX_QUERY_DEPTH'),
      maxAliases: env.int('MAX_ALIASES'),
      maxTokens: env.int('MAX_TOKENS'),
      maxCost: env.int('MAX_QUERY_COST'),
    },
    rate: {
      ipPerMinute: env.int('RATE_LIMIT_IP_PER_MINUTE'),
      userPerMinute: env.int('RATE_LIMIT_USER_PER_MINUTE'),
      trustedProxies: env.int('TRUST_PROXY'),
    },
  };
}
