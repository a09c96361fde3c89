// One vocabulary of error codes for the whole supergraph. Resolvers throw GraphQLErrors built
// here; anything else that escapes a resolver is an internal error and is masked for clients.
import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from './logger';

export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  FORBIDDEN = 'FORBIDDEN',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  /** The gateway's limits on one operation (gateway/limits): nesting, aliases, length, cost. */
  QUERY_TOO_DEEP = 'QUERY_TOO_DEEP',
  TOO_MANY_ALIASES = 'TOO_MANY_ALIASES',
  TOO_MANY_TOKENS = 'TOO_MANY_TOKENS',
  QUERY_TOO_COSTLY = 'QUERY_TOO_COSTLY',
  /** HTTP 429: the caller spent its budget; `extensions.retryAfterSeconds` says for how long. */
  RATE_LIMITED = 'RATE_LIMITED',
  /** Another service this one depends on did not answer, or answered with an error. */
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

export function badUserInput(message: string, field?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT, ...(field && { field }) } });
}

export function notFound(type: string, id: string): GraphQLError {
  return new GraphQLError(`${type} ${JSON.stringify(id)} was not found.`, {
    extensions: { code: ErrorCode.NOT_FOUND, type, id },
  });
}

export function conflict(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.CONFLICT, ...extensions } });
}

export function serviceUnavailable(service: string, reason: string): GraphQLError {
  return new GraphQLError(`The ${service} service is unavailable: ${reason}`, {
    extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, service },
  });
}

/**
 * Apollo Server's `formatError`. Errors with a code a client can act on (ours, and Apollo's own
 * such as GRAPHQL_VALIDATION_FAILED) pass through; anything else, such as a database error, is
 * logged and replaced by a generic message, so SQL text and internals never reach a client.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
    if (extensions.code !== ErrorCode.INTERNAL_SERVER_ERROR) return { ...formatted, extensions };
    const cause = unwrapResolverError(error);
    const where = {
      ...(formatted.path && { path: formatted.path }),
      ...(formatted.locations && { locations: formatted.locations }),
    };
    if (isDatabaseBusy(cause)) {
      logger.warn({ err: cause, path: formatted.path }, 'database busy');
      return { message: 'The service is busy; try again.', ...where, extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } };
    }
    logger.error({ err: cause, path: formatted.path }, 'unexpected error');
    return { message: 'Internal server error', ...where, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}

/**
 * Every database connection stayed taken for longer than a request may wait (Prisma's P2024 pool
 * timeout, P2028 transaction not started in time): a burst, not a bug, and worth a retry.
 */
function isDatabaseBusy(error: unknown): boolean {
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  return name === 'PrismaClientKnownRequestError' && (code === 'P2024' || code === 'P2028');
}
