// The gateway's abuse limits, read from the environment. Every limit takes 0 for "off", which is
// what benchmarks want; the defaults fit production traffic of this supergraph (every example
// operation in operations/ stays well within them, and a test keeps it that way).
import type { EnvReader } from '../../shared/config';
import type { QueryLimits } from '../../shared/limits/operation-limits';

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

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 10, maxAliases: 10, maxTokens: 1_000, maxCost: 10_000 };
export const DEFAULT_RATE_LIMITS: RateLimitConfig = { ipPerMinute: 600, userPerMinute: 300, trustedProxies: 0 };

export function readLimitsConfig(env: EnvReader): LimitsConfig {
  const limit = (name: string, fallback: number) => env.int(name, fallback, { min: 0, max: 1_000_000_000 });
  return {
    query: {
      maxDepth: limit('MAX_QUERY_DEPTH', DEFAULT_QUERY_LIMITS.maxDepth),
      maxAliases: limit('MAX_ALIASES', DEFAULT_QUERY_LIMITS.maxAliases),
      maxTokens: limit('MAX_TOKENS', DEFAULT_QUERY_LIMITS.maxTokens),
      maxCost: limit('MAX_QUERY_COST', DEFAULT_QUERY_LIMITS.maxCost),
    },
    rate: {
      ipPerMinute: limit('RATE_LIMIT_IP_PER_MINUTE', DEFAULT_RATE_LIMITS.ipPerMinute),
      userPerMinute: limit('RATE_LIMIT_USER_PER_MINUTE', DEFAULT_RATE_LIMITS.userPerMinute),
      trustedProxies: env.int('TRUST_PROXY', DEFAULT_RATE_LIMITS.trustedProxies, { min: 0, max: 10 }),
    },
  };
}
