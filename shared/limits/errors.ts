// The errors a caller meets at the query limits (the gateway's and each subgraph's own): one code
// per limit, with the limit and, where it was measured, the operation's own figure, so a caller
// can tell what to change.
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors';

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
