// Errors as a person reads them. Every error from the graph carries a message written for people
// and `extensions.code` (docs/security.md, "Errors as a client sees them"); the message is shown
// as it is, the code decides what else to do. Whatever arrives, nothing raw (JSON, a stack, a
// socket close code) reaches the page.
import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';

export interface ReadableError {
  message: string;
  code?: string;
  /** The input at fault as an argument path ("input.password"), for forms. */
  field?: string;
}

interface GraphQLErrorLike {
  message?: unknown;
  extensions?: { code?: unknown; field?: unknown } | null;
}

export const NETWORK_MESSAGE = 'The shop cannot be reached right now. Check your connection and try again.';
const FALLBACK_MESSAGE = 'Something went wrong. Please try again.';

function fromGraphQLError(error: GraphQLErrorLike | undefined): ReadableError | undefined {
  if (!error || typeof error.message !== 'string' || !error.message) return undefined;
  const { code, field } = error.extensions ?? {};
  return {
    message: error.message,
    ...(typeof code === 'string' && { code }),
    ...(typeof field === 'string' && { field }),
  };
}

/** The first error of a GraphQL response body, if the text is one. */
function fromResponseBody(text: string): ReadableError | undefined {
  try {
    const body = JSON.parse(text) as { errors?: GraphQLErrorLike[] };
    return Array.isArray(body.errors) ? fromGraphQLError(body.errors[0]) : undefined;
  } catch {
    return undefined;
  }
}

/** A GraphQL response with errors, from the few requests sent without Apollo Client (token refresh). */
export class GraphQLResponseError extends Error {
  override name = 'GraphQLResponseError';
  constructor(
    readonly readable: ReadableError,
    readonly status: number,
  ) {
    super(readable.message);
  }

  static fromBody(body: { errors?: GraphQLErrorLike[] }, status: number): GraphQLResponseError {
    return new GraphQLResponseError(fromGraphQLError(body.errors?.[0]) ?? { message: FALLBACK_MESSAGE }, status);
  }
}

/** Anything an operation failed with, as one readable message (the first error's, when several). */
export function describeError(error: unknown): ReadableError {
  if (CombinedGraphQLErrors.is(error)) {
    return fromGraphQLError(error.errors[0]) ?? { message: FALLBACK_MESSAGE };
  }
  if (ServerError.is(error)) {
    // The gateway answers 4xx/5xx with a GraphQL body (401 UNAUTHENTICATED, 429 RATE_LIMITED...).
    return (
      fromResponseBody(error.bodyText) ?? {
        message:
          error.statusCode >= 500
            ? `The shop is having trouble (HTTP ${error.statusCode}). Please try again in a moment.`
            : FALLBACK_MESSAGE,
      }
    );
  }
  if (error instanceof GraphQLResponseError) return error.readable;
  if (error instanceof Error) {
    // fetch() rejects with a TypeError when nothing answers; a dropped socket closes its subscription.
    if (error.name === 'TypeError' || /^Socket closed/.test(error.message)) return { message: NETWORK_MESSAGE };
  }
  return { message: FALLBACK_MESSAGE };
}

/** Per form field ("password"), the message of the error about it; the rest under "". */
export function fieldOf(error: ReadableError): string {
  return (
    error.field
      ?.split('.')
      .pop()
      ?.replace(/\[\d+\]$/, '') ?? ''
  );
}

/** Whether an error means the caller must sign in again (as opposed to a network failure). */
export function isUnauthenticated(error: unknown): boolean {
  return describeError(error).code === 'UNAUTHENTICATED';
}
