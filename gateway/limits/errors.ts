// The gateway's limit codes and its rate-limit error; the query limits' own errors are shared with
// the subgraphs (shared/limits/errors.ts).
import type { GraphQLError } from 'graphql';
import { ErrorCode } from '../../shared/errors';
import { rateLimited as rateLimitedBecause } from '../../shared/rate-limit/errors';

/** The codes of the gateway's limits, for counting refusals by code. */
export const LIMIT_CODES: ReadonlySet<string> = new Set([
  ErrorCode.QUERY_TOO_DEEP,
  ErrorCode.TOO_MANY_ALIASES,
  ErrorCode.TOO_MANY_TOKENS,
  ErrorCode.QUERY_TOO_COSTLY,
  ErrorCode.RATE_LIMITED,
]);

export type RateScope = 'ip' | 'user';

export function rateLimited(scope: RateScope, retryAfterSeconds: number): GraphQLError {
  const who = scope === 'ip' ? 'this address' : 'this account';
  return rateLimitedBecause(`Too many requests from ${who}; retry after ${retryAfterSeconds} s.`, retryAfterSeconds);
}
