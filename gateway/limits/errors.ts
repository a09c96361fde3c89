// The errors a client meets at the gateway's limits: one code per limit, with the limit and,
// where it was measured, the operation's own figure, so a client can tell what to change.
import { GraphQLError } from 'graphql';
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

export function queryTooDeep(limit: number, actual: number): GraphQLError {
  return new GraphQLError(`The operation nests fields ${actual} levels deep; at most ${limit} are allowed.`, {
    extensions: { code: ErrorCode.QUERY_TOO_DEEP, limit, actual },
  });
}

export function tooManyAliases(limit: number, actual: number): GraphQLError {
  return new GraphQLError(`The operation uses ${actual} aliases; at most ${limit} are allowed.`, {
    extensions: { code: ErrorCode.TOO_MANY_ALIASES, limit, actual },
  });
}

/** Counting stops past the limit, so there is no actual figure. */
export function tooManyTokens(limit: number): GraphQLError {
  return new GraphQLError(`The document has more than ${limit} tokens; at most ${limit} are allowed.`, {
    extensions: { code: ErrorCode.TOO_MANY_TOKENS, limit },
  });
}

/** `actual` is absent when the estimate itself was cut short (a document too large to estimate). */
export function queryTooCostly(limit: number, actual?: number): GraphQLError {
  const message =
    actual === undefined
      ? `The operation is too large to estimate; its cost must stay within ${limit}.`
      : `The operation's estimated cost is ${actual}; at most ${limit} is allowed. Ask for smaller pages (first) or fewer nested lists.`;
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.QUERY_TOO_COSTLY, limit, ...(actual !== undefined && { actual }) },
  });
}

export type RateScope = 'ip' | 'user';

export function rateLimited(scope: RateScope, retryAfterSeconds: number): GraphQLError {
  const who = scope === 'ip' ? 'this address' : 'this account';
  return rateLimitedBecause(`Too many requests from ${who}; retry after ${retryAfterSeconds} s.`, retryAfterSeconds);
}
