// Subscriptions on the gateway's own endpoint: graphql-ws on ws://<gateway>/graphql, beside
// queries over HTTP. Apollo Gateway cannot execute subscriptions, so the gateway serves them itself:
// it follows the order stream on Redis (every gateway instance reads every event), and resolves
// each change through its own query pipeline, once per group of identical subscriptions.
import type http from 'node:http';
import type { ApolloServer } from '@apollo/server';
import {
  GraphQLError,
  getOperationAST,
  OperationTypeNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { CloseCode, type Context as ConnectionContext } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';
import type { EventBus, Worker } from '../../shared/events/bus';
import type { EventEnvelope } from '../../shared/events/contracts';
import type { VerifiedAccessToken } from '../../shared/auth/access-token';
import { Viewer } from '../../shared/auth/identity';
import type { Logger } from '../../shared/logger';
import type { AccessTokenVerifier } from '../access-tokens';
import { authenticate, gatewayContext, type AuthConfig, type GatewayContext } from '../auth';
import type { WebSocketLimits } from '../limits/websocket';
import { DocumentCache } from './document-cache';
import { toEventQuery } from './event-query';
import type { Registry } from 'prom-client';
import { audienceOf, createSubscriptionHub, type SubscriptionHub } from './hub';

export interface SubscriptionServerOptions {
  httpServer: http.Server;
  apollo: ApolloServer<GatewayContext>;
  /** The supergraph's API schema, once the gateway has loaded it. */
  schema: () => GraphQLSchema | undefined;
  bus: EventBus;
  logger: Logger;
  /** Where the hub's counters and gauges are registered. */
  registry: Registry;
  production: boolean;
  keepAliveMs: number;
  auth: AuthConfig;
  /** Checks each socket's access token when it connects, and for revocation while it is open. */
  accessTokens: AccessTokenVerifier;
  /** Rate limits for connections and operations, and the query limits, as over HTTP. */
  limits: WebSocketLimits;
}

export interface SubscriptionServer {
  hub: SubscriptionHub;
  /** Starts following the event stream. */
  start(): Promise<void>;
  /** Closes every WebSocket (1001 Going Away) and stops following the stream. */
  dispose(): Promise<void>;
}

/** Whether a customer may watch this order: asked through the supergraph, as the customer. */
const ORDER_VISIBLE = `query OrderVisible($id: ID!) { order(id: $id) { id } }`;

export function createSubscriptionServer(options: SubscriptionServerOptions): SubscriptionServer {
  const { httpServer, apollo, schema, bus, logger, registry, production, keepAliveMs, auth, accessTokens, limits } = options;

  const runQuery = async (
    viewer: Viewer,
    query: string,
    variables: Record<string, unknown> | null | undefined,
    operationName?: string,
  ): Promise<ExecutionResult> => {
    const response = await apollo.executeOperation(
      { query, variables: variables ?? {}, ...(operationName && { operationName }) },
      { contextValue: gatewayContext(viewer, auth) },
    );
    if (response.body.kind !== 'single') throw new Error('incremental delivery is not supported here');
    const { data, errors, extensions } = response.body.singleResult;
    // Apollo hands back errors already formatted (formatError ran: codes kept, internals masked);
    // graphql-ws serialises GraphQLError instances, so they are wrapped again as such.
    return {
      ...(data !== undefined && { data }),
      ...(errors && {
        errors: errors.map((error) => new GraphQLError(error.message, { path: error.path, extensions: error.extensions })),
      }),
      ...(extensions && { extensions }),
    } satisfies ExecutionResult;
  };

  const hub = createSubscriptionHub(runQuery, logger, registry);
  const tail: Worker = bus.tail<EventEnvelope>('order', (event) => {
    if (event.type === 'OrderStatusChanged') hub.publish(event as EventEnvelope<'OrderStatusChanged'>);
  });

  const documents = new DocumentCache({ limits: limits.operations });
  const connections = new Connections(accessTokens);
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const cleanup = useServer(
    {
      isProd: production,
      // Attempts count against the address's rate limit before authentication, failed ones too.
      onConnect: async (ctx) => (await limits.admitConnection(ctx.extra.request, ctx.extra.socket)) && connections.connect(ctx),
      onClose: (ctx) => connections.close(ctx),
      // Each operation spends from its user's rate limit; then it is parsed and validated (once per
      // distinct text) against the supergraph and the query limits, and its cost estimated with its
      // variables, so an invalid or oversized operation gets a clear error before anything runs.
      onSubscribe: async (ctx, _id, payload) => {
        const { identity } = connections.viewer({ connection: ctx });
        const refused = identity && (await limits.admitOperation(identity.userId));
        if (refused) return [refused];
        const current = schema();
        if (!current) return [new GraphQLError('The supergraph is not loaded yet; try again shortly.')];
        const checked = documents.check(current, payload.query);
        if ('errors' in checked) {
          limits.rejectedDocument(checked.errors);
          return checked.errors;
        }
        const { document } = checked;
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new GraphQLError('The document has no operation of that name; give operationName.')];
        const variables = getVariableValues(current, operation.variableDefinitions ?? [], payload.variables ?? {});
        if (variables.errors) return variables.errors;
        const tooCostly = limits.checkCost(current, document, operation, payload.variables);
        if (tooCostly) return [tooCostly];
        return {
          schema: current,
          document,
          variableValues: variables.coerced,
          ...(payload.operationName && { operationName: payload.operationName }),
        } satisfies ExecutionArgs;
      },
      // Queries and mutations sent over the socket take the gateway's normal path.
      execute: (args) =>
        runQuery(connections.viewer(args.contextValue), payloadText(args), args.variableValues, args.operationName ?? undefined),
      subscribe: async (args) => {
        const viewer = connections.viewer(args.contextValue);
        const operation = getOperationAST(args.document, args.operationName);
        if (operation?.operation !== OperationTypeNode.SUBSCRIPTION) {
          return runQuery(viewer, payloadText(args), args.variableValues, args.operationName ?? undefined);
        }
        try {
          const query = toEventQuery(args.schema, args.document, operation, args.variableValues ?? {});
          if (query.orderId && !viewer.isAdmin) {
            // Watching someone else's order reads as the order not existing, as it does for a query.
            const visible = await runQuery(viewer, ORDER_VISIBLE, { id: query.orderId });
            if (!visible.data?.order) return { errors: visible.errors ?? [new GraphQLError('Order not found.')] };
          }
          return hub.subscribe(query, audienceOf(viewer));
        } catch (error) {
          if (error instanceof GraphQLError) return { errors: [error] };
          throw error;
        }
      },
      // The connection's viewer is what every operation on it runs as.
      context: (ctx) => ({ connection: ctx }),
    },
    wsServer,
    keepAliveMs,
  );

  return {
    hub,
    start: () => tail.start(),
    dispose: async () => {
      // Sockets first: each gets its 1001 Going Away before anything else is torn down.
      await cleanup.dispose();
      connections.dispose();
      await tail.stop();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}

/**
 * Who is on each socket. A socket authenticates once, in connection_init's payload
 * (`{ "authorization": "Bearer <access token>" }`): without a token it is closed with 4401
 * Unauthorized, with a bad one 4403 Forbidden. When the token expires, or is revoked (its session's
 * logout, its account's deletion or change of role: checked every REVOCATION_SWEEP_MS), the socket
 * is closed with 4401, and the client reconnects with a fresh token.
 */
class Connections {
  private readonly open = new Map<object, Open>();
  private readonly sweep: NodeJS.Timeout;
  private sweeping = false;

  constructor(private readonly accessTokens: AccessTokenVerifier) {
    this.sweep = setInterval(() => {
      // One sweep at a time, however slowly Redis answers.
      if (this.sweeping) return;
      this.sweeping = true;
      void this.closeRevoked().finally(() => (this.sweeping = false));
    }, REVOCATION_SWEEP_MS);
    this.sweep.unref();
  }

  async connect(ctx: ConnectionContext<Record<string, unknown> | undefined, { socket: Socket }>): Promise<boolean> {
    const params = ctx.connectionParams ?? {};
    const authorization = params.authorization ?? params.Authorization;
    if (typeof authorization !== 'string' || !authorization) {
      ctx.extra.socket.close(CloseCode.Unauthorized, 'Unauthorized: send an access token as connectionParams.authorization');
      return false;
    }
    let verified;
    try {
      verified = await authenticate(authorization, this.accessTokens);
    } catch {
      return false; // graphql-ws closes with 4403 Forbidden
    }
    if (!verified) return false;
    // Closed while its token was being checked: onClose has come and gone, nothing to keep.
    if (ctx.extra.socket.readyState !== WebSocket.OPEN) return false;
    const expiry = setTimeout(
      () => ctx.extra.socket.close(CloseCode.Unauthorized, 'Access token expired'),
      Math.max(0, verified.token.expiresAt * 1000 - Date.now()),
    );
    expiry.unref();
    this.open.set(ctx, { viewer: verified.viewer, token: verified.token, socket: ctx.extra.socket, expiry });
    return true;
  }

  close(ctx: object): void {
    clearTimeout(this.open.get(ctx)?.expiry);
    this.open.delete(ctx);
  }

  /** The viewer of the connection an operation came on (its context is `{ connection }`). */
  viewer(contextValue: unknown): Viewer {
    const connection = (contextValue as { connection?: object } | undefined)?.connection;
    const viewer = connection && this.open.get(connection)?.viewer;
    if (!viewer) throw new Error('operation on an unauthenticated connection');
    return viewer;
  }

  dispose(): void {
    clearInterval(this.sweep);
  }

  /** Closes the sockets whose token was revoked (the verifier reads each session at most every 2 s). */
  private async closeRevoked(): Promise<void> {
    await Promise.all(
      [...this.open].map(async ([ctx, { token, socket }]) => {
        try {
          await this.accessTokens.requireCurrent(token);
        } catch {
          this.close(ctx);
          socket.close(CloseCode.Unauthorized, 'Access token revoked: sign in again');
        }
      }),
    );
  }
}

interface Socket {
  readonly readyState: number;
  close(code: number, reason: string): void;
}

interface Open {
  viewer: Viewer;
  token: VerifiedAccessToken;
  socket: Socket;
  expiry: NodeJS.Timeout;
}

/** How often open sockets are checked for revoked tokens. */
const REVOCATION_SWEEP_MS = 1_000;

/** The operation's text, for running it through Apollo Server (which parses it again, cached). */
function payloadText(args: ExecutionArgs): string {
  return args.document.loc?.source.body ?? '';
}
