// What every subscription transport does with an operation, whichever protocol carried it
// (graphql-ws, graphql-sse, Apollo multipart): admit it, check it, then run it. Subscriptions go to
// the hub; queries and mutations take the gateway's normal path through Apollo Server.
import type { ApolloServer } from '@apollo/server';
import {
  GraphQLError,
  getOperationAST,
  OperationTypeNode,
  parse,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { unauthenticated, type Viewer } from '../../shared/auth/identity';
import { clientError, ErrorCode } from '../../shared/errors';
import { gatewayContext, type AuthConfig, type GatewayContext } from '../auth';
import type { WebSocketLimits } from '../limits/websocket';
import { DocumentCache } from './document-cache';
import { toEventQuery } from './event-query';
import { audienceOf, type SubscriptionHub } from './hub';

/** An operation as a transport received it: anything may be missing or of the wrong type. */
export interface OperationRequest {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

/** Either an operation ready to run, or why it may not. */
export type Prepared = { args: ExecutionArgs; operation: OperationTypeNode } | { errors: readonly GraphQLError[] };

/** What running an operation gives: a stream of results for a subscription, else one result. */
export type Outcome = ExecutionResult | AsyncIterableIterator<ExecutionResult>;

/** Whether a customer may watch this order: asked through the supergraph, as the customer. */
const ORDER_VISIBLE = `query OrderVisible($id: ID!) { order(id: $id) { id } }`;

export class SubscriptionOperations {
  private readonly documents: DocumentCache;

  constructor(
    private readonly apollo: ApolloServer<GatewayContext>,
    /** The supergraph's API schema, once the gateway has loaded it. */
    private readonly schema: () => GraphQLSchema | undefined,
    private readonly hub: () => SubscriptionHub,
    private readonly limits: WebSocketLimits,
    private readonly auth: AuthConfig,
  ) {
    this.documents = new DocumentCache({ limits: limits.operations });
  }

  /** Runs an operation through Apollo Server, as `viewer`: plans, limits and error masking included. */
  readonly runQuery = async (
    viewer: Viewer,
    query: string,
    variables: Record<string, unknown> | null | undefined,
    operationName?: string,
  ): Promise<ExecutionResult> => {
    const response = await this.apollo.executeOperation(
      { query, variables: variables ?? {}, ...(operationName && { operationName }) },
      { contextValue: gatewayContext(viewer, this.auth) },
    );
    if (response.body.kind !== 'single') throw new Error('incremental delivery is not supported here');
    const { data, errors, extensions } = response.body.singleResult;
    // Apollo hands back errors already formatted (formatError ran: codes kept, internals masked);
    // the transports serialise GraphQLError instances, so they are wrapped again as such.
    return {
      ...(data !== undefined && { data }),
      ...(errors && {
        errors: errors.map((error) => new GraphQLError(error.message, { path: error.path, extensions: error.extensions })),
      }),
      ...(extensions && { extensions }),
    };
  };

  /**
   * The type of the operation a request asks for, when its text parses (whether it is valid is
   * prepare()'s question); undefined when it does not, and Apollo Server explains why.
   */
  operationType(query: unknown, operationName: unknown): OperationTypeNode | undefined {
    if (typeof query !== 'string') return undefined;
    try {
      const document = parse(query, { noLocation: true });
      return getOperationAST(document, typeof operationName === 'string' ? operationName : undefined)?.operation;
    } catch {
      return undefined;
    }
  }

  /**
   * Admits and checks an operation before anything runs: the user's rate limit, then (once per
   * distinct text) parsing, validation against the supergraph and the query limits, then the cost
   * with these variables. Every refusal is a coded GraphQLError.
   */
  async prepare(viewer: Viewer, request: OperationRequest): Promise<Prepared> {
    const prepared = await this.check(viewer, request);
    // Only what a client may see (shared/errors.ts), as Apollo Server's formatter leaves it over HTTP.
    return 'errors' in prepared ? { errors: prepared.errors.map((error) => reshaped(error)) } : prepared;
  }

  private async check(viewer: Viewer, request: OperationRequest): Promise<Prepared> {
    const { query, variables = {}, operationName } = request;
    if (typeof query !== 'string' || !query) return refused('Send the operation as a non-empty string in `query`.');
    if (variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
      return refused('`variables` must be an object.');
    }
    if (operationName != null && typeof operationName !== 'string') return refused('`operationName` must be a string.');
    const { identity } = viewer;
    const overBudget = identity && (await this.limits.admitOperation(identity.userId));
    if (overBudget) return { errors: [overBudget] };
    const schema = this.schema();
    if (!schema) return { errors: [unavailable('The supergraph is not loaded yet; try again shortly.')] };
    const checked = this.documents.check(schema, query);
    if ('errors' in checked) {
      this.limits.rejectedDocument(checked.errors);
      return checked;
    }
    const { document } = checked;
    const operation = getOperationAST(document, operationName);
    if (!operation) {
      return refused('The document has no operation of that name; give operationName.', ErrorCode.OPERATION_RESOLUTION_FAILURE);
    }
    if (operation.operation === OperationTypeNode.SUBSCRIPTION && !identity) {
      return { errors: [unauthenticated('Subscriptions need a signed-in caller: send an access token.')] };
    }
    const given = (variables ?? {}) as Record<string, unknown>;
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], given);
    if (coerced.errors) return { errors: coerced.errors.map((error) => reshaped(error, ErrorCode.BAD_USER_INPUT)) };
    const tooCostly = this.limits.checkCost(schema, document, operation, given);
    if (tooCostly) return { errors: [tooCostly] };
    return {
      operation: operation.operation,
      args: {
        schema,
        document,
        variableValues: coerced.coerced,
        ...(operationName && { operationName }),
      },
    };
  }

  /** Runs a prepared operation as `viewer`: a subscription joins the hub, anything else runs once. */
  async run(viewer: Viewer, args: ExecutionArgs): Promise<Outcome> {
    const operation = getOperationAST(args.document, args.operationName);
    if (operation?.operation !== OperationTypeNode.SUBSCRIPTION) {
      return this.runQuery(viewer, documentText(args), args.variableValues, args.operationName ?? undefined);
    }
    try {
      const query = toEventQuery(args.schema, args.document, operation, args.variableValues ?? {});
      if (query.orderId && !viewer.isAdmin) {
        // Watching someone else's order reads as the order not existing, as it does for a query.
        const visible = await this.runQuery(viewer, ORDER_VISIBLE, { id: query.orderId });
        if (!visible.data?.order) return { errors: visible.errors ?? [new GraphQLError('Order not found.')] };
      }
      return this.hub().subscribe(query, audienceOf(viewer));
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [error] };
      throw error;
    }
  }
}

/** Whether an outcome is a stream of results (a subscription that was accepted). */
export function isStream(outcome: Outcome): outcome is AsyncIterableIterator<ExecutionResult> {
  return Symbol.asyncIterator in outcome;
}

/** The operation's text, for running it through Apollo Server (which parses it again, cached). */
function documentText(args: ExecutionArgs): string {
  return args.document.loc?.source.body ?? '';
}

function refused(message: string, code = ErrorCode.BAD_REQUEST): Prepared {
  return { errors: [new GraphQLError(message, { extensions: { code } })] };
}

function unavailable(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } });
}

/** The error with only the extensions a client may see, and `code` when given. */
function reshaped(error: GraphQLError, code?: ErrorCode): GraphQLError {
  const { extensions } = clientError({ message: error.message, extensions: { ...error.extensions, ...(code && { code }) } });
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions,
  });
}
