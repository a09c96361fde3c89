// The same limits for graphql-ws: a connection attempt spends from its address's budget, each
// operation message from its user's, and operations must fit the query limits (the document
// checks run in the subscription server's DocumentCache; the cost, which depends on the
// variables, per message here).
import type http from 'node:http';
import type { DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { clientAddress } from './client-address';
import { LIMIT_CODES, rateLimited } from './errors';
import { ErrorCode } from '../../shared/errors';
import type { LimitMetrics } from './metrics';
import type { OperationLimits } from '../../shared/limits/operation-limits';
import type { RateLimits } from './rate-limits';

/**
 * Close code for a socket refused by the rate limit. It is graphql-ws's "Too many initialisation
 * requests", on which graphql-ws clients do not reconnect by themselves: no retry storm.
 */
export const RATE_LIMITED_CLOSE_CODE = 4429;

export class WebSocketLimits {
  constructor(
    readonly operations: OperationLimits,
    private readonly rateLimits: RateLimits,
    private readonly trustedProxies: number,
    private readonly metrics: LimitMetrics,
  ) {}

  /** Whether a connection may proceed; one that may not is closed with RATE_LIMITED_CLOSE_CODE. */
  async admitConnection(request: http.IncomingMessage, socket: { close(code: number, reason: string): void }): Promise<boolean> {
    const decision = await this.rateLimits.connection(clientAddress(request, this.trustedProxies));
    if (!decision || decision.allowed) return true;
    this.metrics.rejected(ErrorCode.RATE_LIMITED);
    socket.close(RATE_LIMITED_CLOSE_CODE, `Too many requests: retry after ${decision.retryAfterSeconds} s`);
    return false;
  }

  /** RATE_LIMITED when the user has spent its budget for the minute. */
  async admitOperation(userId: string): Promise<GraphQLError | undefined> {
    const decision = await this.rateLimits.operation(userId);
    if (!decision || decision.allowed) return undefined;
    this.metrics.rejected(ErrorCode.RATE_LIMITED);
    return rateLimited(decision.scope, decision.retryAfterSeconds);
  }

  /** QUERY_TOO_COSTLY for an operation over the cost limit with these variables. */
  checkCost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Record<string, unknown> | null | undefined,
  ): GraphQLError | undefined {
    const error = this.operations.checkCost(schema, document, operation, variables);
    if (error) this.metrics.rejected(ErrorCode.QUERY_TOO_COSTLY);
    return error;
  }

  /** Counts the limits among a refused document's errors (the others are plain invalid GraphQL). */
  rejectedDocument(errors: readonly GraphQLError[]): void {
    for (const error of errors) {
      const code = error.extensions.code;
      if (typeof code === 'string' && LIMIT_CODES.has(code)) this.metrics.rejected(code);
    }
  }
}
