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
  /** HTTP 400: a request that is not a GraphQL request (unreadable body, mismatched persisted query hash). */
  BAD_REQUEST = 'BAD_REQUEST',
  /** HTTP 413: a request body over BODY_LIMIT_BYTES (after decompression). */
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  /** HTTP 415: a Content-Encoding or charset the services cannot decode. */
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  /** HTTP 405: a method the endpoint does not take for this request (e.g. a subscription over GET). */
  METHOD_NOT_ALLOWED = 'METHOD_NOT_ALLOWED',
  /** HTTP 406: a subscription over HTTP whose Accept names no streaming format the gateway serves. */
  NOT_ACCEPTABLE = 'NOT_ACCEPTABLE',
  /** Apollo Server's own, named here so that this enum lists every code a client can receive. */
  GRAPHQL_PARSE_FAILED = 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED',
  OPERATION_RESOLUTION_FAILURE = 'OPERATION_RESOLUTION_FAILURE',
  /** An automatic persisted query sent by hash alone that this server has not seen: resend with its text. */
  PERSISTED_QUERY_NOT_FOUND = 'PERSISTED_QUERY_NOT_FOUND',
}

/**
 * The extensions besides `code` that a client may see, each set by a helper here, by a resolver's
 * `conflict()`/`notFound()` call or by the query limits. Every other extension (Apollo Gateway's
 * `serviceName`, a failed fetch's `response`, `exception`, `stacktrace`, ...) is dropped.
 */
export const CLIENT_EXTENSIONS = [
  // BAD_USER_INPUT, CONFLICT, NOT_FOUND: the input field at fault, e.g. `input.name`, `items[0].productId`.
  'field',
  // NOT_FOUND: what was looked for.
  'type',
  'id',
  'sku',
  'productId',
  // CONFLICT: the state that prevented the change.
  'from',
  'to',
  'orderStatus',
  'paymentId',
  'paymentStatus',
  'available',
  // The gateway's query limits.
  'limit',
  'actual',
  // RATE_LIMITED.
  'retryAfterSeconds',
  // SERVICE_UNAVAILABLE: the subgraph that could not answer.
  'service',
] as const;

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
 * Apollo Server's `formatError`, for every service. What a client receives is `message`, `path`,
 * `locations` and `extensions` holding `code` and the CLIENT_EXTENSIONS, in every mode. Errors
 * with a code a client can act on (ours, and Apollo's own such as GRAPHQL_VALIDATION_FAILED) keep
 * their message; anything else, such as a database error, is logged and replaced by a generic
 * message, so SQL text and internals never reach a client.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    if (formatted.extensions?.code !== ErrorCode.INTERNAL_SERVER_ERROR) return clientError(formatted);
    const cause = unwrapResolverError(error);
    const where = {
      ...(formatted.path && { path: formatted.path }),
      ...(formatted.locations && { locations: formatted.locations }),
    };
    const badRequest =
      cause instanceof GraphQLError && !formatted.path ? APOLLO_UNCODED_REQUEST_ERRORS.get(cause.message) : undefined;
    if (badRequest) return { message: badRequest, ...where, extensions: { code: ErrorCode.BAD_REQUEST } };
    if (isDatabaseBusy(cause)) {
      logger.warn({ err: cause, path: formatted.path }, 'database busy');
      return { message: 'The service is busy; try again.', ...where, extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } };
    }
    logger.error({ err: cause, path: formatted.path }, 'unexpected error');
    return { message: 'Internal server error', ...where, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}

/** `formatted` with only what a client may see: its message, where it happened, code and CLIENT_EXTENSIONS. */
export function clientError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const extensions: Record<string, unknown> = { code: formatted.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR };
  for (const key of CLIENT_EXTENSIONS) {
    const value = formatted.extensions?.[key];
    if (value !== undefined) extensions[key] = value;
  }
  return {
    message: formatted.message,
    ...(formatted.locations && { locations: formatted.locations }),
    ...(formatted.path && { path: formatted.path }),
    extensions,
  };
}

/**
 * Apollo Server's answers (HTTP 400) to a malformed automatic persisted query, which carry no code
 * and would otherwise read as internal errors: their messages, and what a client is told instead.
 */
const APOLLO_UNCODED_REQUEST_ERRORS = new Map([
  [
    'provided sha does not match query',
    'The persisted query hash does not match the query: extensions.persistedQuery.sha256Hash must be the SHA-256 of the query text.',
  ],
  ['Unsupported persisted query version', 'Only version 1 of automatic persisted queries is supported.'],
]);

/**
 * Every database connection stayed taken for longer than a request may wait (Prisma's P2024 pool
 * timeout, P2028 transaction not started in time): a burst, not a bug, and worth a retry.
 */
function isDatabaseBusy(error: unknown): boolean {
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  return name === 'PrismaClientKnownRequestError' && (code === 'P2024' || code === 'P2028');
}
