// A subgraph's subscriptions over graphql-ws, on its own /graphql (the HTTP server its queries
// use), for routers that pass a subscription through to the subgraph owning its root field: Hive
// Gateway, Apollo Router and Cosmo open a graphql-ws socket to the subgraph per caller. It executes
// with the subgraph's own schema and context, so an entity it returns (an `Order` reference) is
// completed by the router from the other subgraphs, as with any query.
//
// Who is asking: the internal identity the router was given for the caller (x-internal-identity,
// signed with INTERNAL_SECRET), from the connection_init payload (`x-internal-identity`, or under
// `headers`, as Hive Gateway's connectionParams and Cosmo send it) or else from the upgrade
// request's header (as Apollo Router propagates headers). It is checked once, when the socket
// connects: a subscription is one operation, started within the token's 60 s, however long it then
// runs, as a long HTTP response would be. No identity: closed with 4401 Unauthorized; one that is
// not valid (forged, expired, signed with another secret): 4403 Forbidden.
//
// Queries and mutations on the socket are executed as well, as the same caller, under the same
// query limits and the same error masking as over HTTP: a graphql-ws client may multiplex, and one
// rule for every operation is simpler than a second refusal. Any operation the socket starts
// after the identity has expired is refused (UNAUTHENTICATED), so no operation outlives the rule
// that an identity is good for 60 s from its signing; subscriptions already running go on.
import type http from 'node:http';
import {
  createSourceEventStream,
  execute,
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { CloseCode, type Context as ConnectionContext } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { Viewer } from '../auth/identity';
import { IDENTITY_HEADER, viewerFromHeader, type InternalTokenConfig } from '../auth/internal-token';
import { createErrorFormatter, ErrorCode } from '../errors';
import type { OperationLimits } from '../limits/operation-limits';
import type { LimitRejections } from '../limits/rejections';
import type { Logger } from '../logger';
import { findUnstorableText } from './storable-text';

export interface WebSocketSubscriptionsOptions<TContext> {
  /** The HTTP server the subgraph's queries are served on: the socket upgrades at its /graphql. */
  httpServer: http.Server;
  /** The subgraph's executable schema, the one its HTTP endpoint serves. */
  schema: GraphQLSchema;
  /** One per operation, and for a subscription one per event, so loaders never serve stale rows. */
  createContext: (viewer: Viewer) => TContext;
  internal: InternalTokenConfig;
  production: boolean;
  /** Largest message accepted, as for an HTTP body. */
  maxPayloadBytes: number;
  /** The subgraph's own query limits and where their refusals are counted, shared with HTTP. */
  limits: OperationLimits;
  rejections: LimitRejections;
  logger: Logger;
}

export interface WebSocketSubscriptions {
  /** Closes every socket with 1001 Going Away and stops taking upgrades. */
  dispose(): Promise<void>;
}

/** What a socket learns at connect: its caller, and the token that said so. */
interface Caller {
  viewer: Viewer;
  identity: string;
}

type Connection = ConnectionContext<Record<string, unknown> | undefined, Extra & Partial<Caller>>;

export function serveSubscriptionsOverWebSocket<TContext>(
  options: WebSocketSubscriptionsOptions<TContext>,
): WebSocketSubscriptions {
  const { httpServer, schema, createContext, internal, production, maxPayloadBytes, limits, rejections, logger } = options;
  const formatError = errorFormatter(logger);
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: maxPayloadBytes });
  const server = useServer<Record<string, unknown> | undefined, Partial<Caller>>(
    {
      isProd: production,
      onConnect: (ctx) => authenticate(ctx, internal),
      onSubscribe: (ctx, _id, payload): ExecutionArgs | readonly GraphQLError[] => {
        const caller = callerOf(ctx);
        // Verified again, only for its expiry: a later operation is a new one (see above).
        if (!viewerOrNull(caller.identity, internal)) {
          return [
            new GraphQLError('The internal identity of this connection has expired: connect again with a fresh one.', {
              extensions: { code: ErrorCode.UNAUTHENTICATED },
            }),
          ];
        }
        const refused = limits.checkText(payload.query);
        if (refused) return rejected(refused, rejections);
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [coded(error as GraphQLError, ErrorCode.GRAPHQL_PARSE_FAILED)];
        }
        const invalid = validate(schema, document, specifiedRules);
        if (invalid.length) {
          // "Did you mean ...?" describes the schema: production keeps it private, as over HTTP.
          return invalid.map((error) =>
            coded(
              production ? withMessage(error, error.message.replace(SUGGESTIONS, '')) : error,
              ErrorCode.GRAPHQL_VALIDATION_FAILED,
            ),
          );
        }
        const tooLarge = limits.checkDocument(schema, document)[0];
        if (tooLarge) return rejected(tooLarge, rejections);
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) {
          const message = payload.operationName
            ? `Unknown operation named "${payload.operationName}".`
            : 'Must provide operation name if query contains multiple operations.';
          return [new GraphQLError(message, { extensions: { code: ErrorCode.OPERATION_RESOLUTION_FAILURE } })];
        }
        const tooCostly = limits.checkCost(schema, document, operation, payload.variables);
        if (tooCostly) return rejected(tooCostly, rejections);
        const unstorable = findUnstorableText(schema, document, operation, payload.variables ?? {});
        if (unstorable) return [unstorable];
        return {
          schema,
          document,
          ...(payload.operationName && { operationName: payload.operationName }),
          variableValues: payload.variables ?? {},
          contextValue: createContext(caller.viewer),
        };
      },
      subscribe: async (args) => {
        const viewer = viewerOf(args.contextValue);
        const source = await createSourceEventStream(args);
        if (!(Symbol.asyncIterator in source)) return source;
        // graphql-js would execute every event with the one context the subscription began with,
        // whose loaders would keep serving the rows they read for the first event.
        return mapEvents(source, (event) => execute({ ...args, rootValue: event, contextValue: createContext(viewer) }));
      },
      onNext: (_ctx, _id, _payload, _args, result) => formatResult(result, formatError),
      onError: (_ctx, _id, _payload, errors) => errors.map(formatError),
    },
    wsServer,
  );
  return { dispose: async () => server.dispose() };
}

/** The identity of a connecting socket; closes it (4401 or 4403) when there is none or it is not valid. */
function authenticate(ctx: Connection, internal: InternalTokenConfig): boolean {
  const identity = identityOf(ctx);
  if (identity === undefined) {
    ctx.extra.socket.close(
      CloseCode.Unauthorized,
      `Unauthorized: no ${IDENTITY_HEADER} in connection_init's payload or the upgrade request`,
    );
    return false;
  }
  const viewer = typeof identity === 'string' ? viewerOrNull(identity, internal) : null;
  if (!viewer) {
    ctx.extra.socket.close(CloseCode.Forbidden, `Forbidden: ${IDENTITY_HEADER} is not a valid internal identity`);
    return false;
  }
  ctx.extra.viewer = viewer;
  ctx.extra.identity = identity as string;
  return true;
}

/**
 * The identity the socket was opened with: connection_init's payload first (what the router
 * chose to send for this caller), then the upgrade request's header. Header names are
 * case-insensitive, so keys are too. Undefined when there is none at all; anything that is there
 * but not a string is returned as it is, to be refused as invalid.
 */
function identityOf(ctx: Connection): unknown {
  const params = ctx.connectionParams ?? {};
  const headers = params.headers;
  const found =
    valueOf(params, IDENTITY_HEADER) ??
    (typeof headers === 'object' && headers !== null
      ? valueOf(headers as Record<string, unknown>, IDENTITY_HEADER)
      : undefined) ??
    ctx.extra.request.headers[IDENTITY_HEADER];
  return found === '' || found === null ? undefined : found;
}

function valueOf(record: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : record[key];
}

/** The viewer a token names, or null when it is not a valid internal identity (or names no one). */
function viewerOrNull(identity: string, internal: InternalTokenConfig): Viewer | null {
  try {
    const viewer = viewerFromHeader(identity, internal);
    return viewer.identity ? viewer : null;
  } catch {
    return null;
  }
}

/** Operations are only taken once onConnect has accepted the socket, which set its caller. */
function callerOf(ctx: Connection): Caller {
  const { viewer, identity } = ctx.extra;
  if (!viewer || identity === undefined) throw new Error('operation on a socket that was not authenticated');
  return { viewer, identity };
}

/** Every subgraph's context carries its viewer: what each event's fresh context is made for. */
function viewerOf(contextValue: unknown): Viewer {
  if (typeof contextValue === 'object' && contextValue !== null && 'viewer' in contextValue) {
    const { viewer } = contextValue;
    if (viewer instanceof Viewer) return viewer;
  }
  throw new Error('a subscription whose context has no viewer');
}

/**
 * `source` with each event executed by `execute`. Ending it (the client completes or goes away)
 * ends the source at once, even while it waits for its next event, which an async generator
 * would only notice at that next event.
 */
function mapEvents(
  source: AsyncIterable<unknown>,
  execute: (event: unknown) => ExecutionResult | Promise<ExecutionResult>,
): AsyncIterableIterator<ExecutionResult> & { return(): Promise<IteratorResult<ExecutionResult>> } {
  const events = source[Symbol.asyncIterator]();
  const close = async (): Promise<IteratorResult<ExecutionResult>> => {
    await events.return?.();
    return { value: undefined, done: true };
  };
  const mapped = {
    async next(): Promise<IteratorResult<ExecutionResult>> {
      const event = await events.next();
      if (event.done) return { value: undefined, done: true };
      try {
        return { value: await execute(event.value), done: false };
      } catch (error) {
        await close();
        throw error;
      }
    },
    return: close,
    [Symbol.asyncIterator]() {
      return mapped;
    },
  };
  return mapped;
}

/** A limit refusal, counted as over HTTP. */
function rejected(error: GraphQLError, rejections: LimitRejections): GraphQLError[] {
  rejections.rejected(String(error.extensions.code));
  return [error];
}

/** `error` with `code`, unless it has one: graphql-js's parse and validation errors have none. */
function coded(error: GraphQLError, code: ErrorCode): GraphQLError {
  return error.extensions.code ? error : withMessage(error, error.message, { code });
}

/** Apollo Server's DisableSuggestions plugin removes the same. */
const SUGGESTIONS = / ?Did you mean(.+?)\?$/;

function withMessage(error: GraphQLError, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, ...extensions },
  });
}

type FormatError = (error: GraphQLError) => GraphQLFormattedError;

/**
 * What clients of the HTTP endpoint get, through the same formatter: codes and messages a client
 * can act on, anything else (a database error) logged and masked. As Apollo Server does, an error
 * without a code is an internal one.
 */
function errorFormatter(logger: Logger): FormatError {
  const format = createErrorFormatter(logger);
  return (error) => {
    const formatted = error.toJSON();
    const code = formatted.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR;
    return format({ ...formatted, extensions: { ...formatted.extensions, code } }, error);
  };
}

function formatResult(result: ExecutionResult, formatError: FormatError): FormattedExecutionResult | undefined {
  if (!result.errors) return undefined;
  return { ...result, errors: result.errors.map(formatError) };
}
