import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors';

/** RATE_LIMITED: the caller spent a budget, and `extensions.retryAfterSeconds` says for how long. */
export function rateLimited(message: string, retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.RATE_LIMITED, retryAfterSeconds } });
}
