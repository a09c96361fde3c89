// graphql-ws on ws://<gateway>/graphql: what Apollo Client's GraphQLWsLink, Apollo Sandbox and
// most GraphQL IDEs speak. A socket authenticates once, in connection_init's payload
// (`{ "authorization": "Bearer <access token>" }`): without a token it is closed with 4401
// Unauthorized, with a bad one 4403 Forbidden; when its token expires or is revoked, 4401 again.
import type http from 'node:http';
import type { ExecutionArgs } from 'graphql';
import { CloseCode, type Context as ConnectionContext } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';
import type { Viewer } from '../../shared/auth/identity';
import type { AccessTokenVerifier } from '../access-tokens';
import { authenticate } from '../auth';
import type { WebSocketLimits } from '../limits/websocket';
import type { SubscriptionOperations } from './operations';
import { END_MESSAGES, type Sessions } from './sessions';

export interface GraphQLWsOptions {
  httpServer: http.Server;
  operations: SubscriptionOperations;
  sessions: Sessions;
  accessTokens: AccessTokenVerifier;
  limits: WebSocketLimits;
  production: boolean;
  keepAliveMs: number;
}

type Context = ConnectionContext<Record<string, unknown> | undefined, { socket: WebSocket; request: http.IncomingMessage }>;

interface Connection {
  viewer: Viewer;
  /** Tells the sessions the socket is gone. */
  closed(): void;
}

export function serveGraphQLWs(options: GraphQLWsOptions): { dispose(): Promise<void> } {
  const { httpServer, operations, sessions, accessTokens, limits, production, keepAliveMs } = options;
  const connections = new Map<Context, Connection>();

  const connect = async (ctx: Context): Promise<boolean> => {
    const params = ctx.connectionParams ?? {};
    const authorization = params.authorization ?? params.Authorization;
    const { socket } = ctx.extra;
    if (typeof authorization !== 'string' || !authorization) {
      socket.close(CloseCode.Unauthorized, 'Unauthorized: send an access token as connectionParams.authorization');
      return false;
    }
    let verified;
    try {
      verified = await authenticate(authorization, accessTokens);
    } catch {
      return false; // graphql-ws closes with 4403 Forbidden
    }
    if (!verified) return false;
    // Closed while its token was being checked: onClose has come and gone, nothing to keep.
    if (socket.readyState !== WebSocket.OPEN) return false;
    const closed = sessions.track('graphql-ws', verified.token, (reason) =>
      socket.close(CloseCode.Unauthorized, END_MESSAGES[reason]),
    );
    connections.set(ctx, { viewer: verified.viewer, closed });
    return true;
  };

  /** The viewer of the connection an operation came on (its context is `{ connection }`). */
  const viewerOf = (contextValue: unknown): Viewer => {
    const connection = (contextValue as { connection?: Context } | undefined)?.connection;
    const viewer = connection && connections.get(connection)?.viewer;
    if (!viewer) throw new Error('operation on an unauthenticated connection');
    return viewer;
  };

  const run = (args: ExecutionArgs) => operations.run(viewerOf(args.contextValue), args);

  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const cleanup = useServer(
    {
      isProd: production,
      // Attempts count against the address's rate limit before authentication, failed ones too.
      onConnect: async (ctx: Context) => (await limits.admitConnection(ctx.extra.request, ctx.extra.socket)) && connect(ctx),
      onClose: (ctx: Context) => {
        connections.get(ctx)?.closed();
        connections.delete(ctx);
      },
      onSubscribe: async (ctx: Context, _id, payload) => {
        const prepared = await operations.prepare(viewerOf({ connection: ctx }), payload);
        return 'errors' in prepared ? prepared.errors : prepared.args;
      },
      // Queries and mutations take the gateway's normal path; subscriptions join the hub.
      execute: run,
      subscribe: run,
      // The connection's viewer is what every operation on it runs as.
      context: (ctx: Context) => ({ connection: ctx }),
    },
    wsServer,
    keepAliveMs,
  );

  return {
    dispose: async () => {
      // Each socket gets its 1001 Going Away.
      await cleanup.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}
