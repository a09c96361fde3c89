// What the HTTP subscription transports (graphql-sse, Apollo multipart) share. A request refused
// before any stream starts gets a GraphQL error body with a code, under the status the code means,
// in the media type the client asked for: Apollo Client reads the body of a 4xx only when it is
// application/graphql-response+json, so that is what a client accepting it gets.
import type express from 'express';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../../shared/errors';

const STATUS_BY_CODE: Partial<Record<string, number>> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.METHOD_NOT_ALLOWED]: 405,
  [ErrorCode.NOT_ACCEPTABLE]: 406,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: 415,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.INTERNAL_SERVER_ERROR]: 500,
  [ErrorCode.SERVICE_UNAVAILABLE]: 503,
};

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  401: ErrorCode.UNAUTHENTICATED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  405: ErrorCode.METHOD_NOT_ALLOWED,
  406: ErrorCode.NOT_ACCEPTABLE,
  409: ErrorCode.CONFLICT,
  415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
};

/** The status a refusal carries: its first error's code decides; anything else is the caller's 400. */
export function statusOf(errors: readonly (GraphQLError | GraphQLFormattedError)[]): number {
  const code = errors[0]?.extensions?.code;
  return (typeof code === 'string' && STATUS_BY_CODE[code]) || 400;
}

/** The code a bare HTTP status stands for, when a library refused without one. */
export function codeOf(status: number): ErrorCode {
  return CODE_BY_STATUS[status] ?? (status >= 500 ? ErrorCode.INTERNAL_SERVER_ERROR : ErrorCode.BAD_REQUEST);
}

/** The JSON media type to answer with: GraphQL's own when the client accepts it. */
export function jsonMediaType(req: express.Request): string {
  return req.headers.accept?.includes('application/graphql-response+json')
    ? 'application/graphql-response+json; charset=utf-8'
    : 'application/json; charset=utf-8';
}

/** Answers with a GraphQL body (errors, or a single result) under `status`. */
export function sendGraphQL(
  req: express.Request,
  res: express.Response,
  status: number,
  body: { data?: unknown; errors?: readonly (GraphQLError | GraphQLFormattedError)[] },
  headers: Record<string, string> = {},
): void {
  const retryAfter = body.errors?.[0]?.extensions?.retryAfterSeconds;
  res
    .status(status)
    .set({
      ...headers,
      ...(status === 429 && typeof retryAfter === 'number' && { 'Retry-After': String(retryAfter) }),
      'content-type': jsonMediaType(req),
    })
    .send(JSON.stringify(body));
}

/** Refuses with `errors` under the status their code means. */
export function sendErrors(req: express.Request, res: express.Response, errors: readonly GraphQLError[]): void {
  sendGraphQL(req, res, statusOf(errors), { errors });
}

/** Resolves when `res` can take more, or is gone. */
export function drained(res: express.Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
