// Subscriptions on the gateway's own endpoint: graphql-ws on ws://<gateway>/graphql, beside
// queries over HTTP. Apollo Gateway cannot execute subscriptions, so the gateway serves them itself:
// it follows the order stream on Redis (every gateway instance reads every event), and resolves
// each change through its own query pipeline, once per group of identical subscriptions.
import type http from 'node:http';
import type { ApolloServer, BaseContext } from '@apollo/server';
import { GraphQLError, getOperationAST, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { EventBus, Worker } from '../../shared/events/bus';
import type { EventEnvelope } from '../../shared/events/contracts';
import type { Logger } from '../../shared/logger';
import { DocumentCache } from './document-cache';
import { CHANGE_ID_VARIABLE, toEventQuery } from './event-query';
import { SubscriptionHub, type HubMetrics, type Viewer } from './hub';

export interface SubscriptionServerOptions {
  httpServer: http.Server;
  apollo: ApolloServer<BaseContext>;
  /** The supergraph's API schema, once the gateway has loaded it. */
  schema: () => GraphQLSchema | undefined;
  bus: EventBus;
  logger: Logger;
  metrics: HubMetrics;
  production: boolean;
  keepAliveMs: number;
}

export interface SubscriptionServer {
  hub: SubscriptionHub;
  /** Starts following the event stream. */
  start(): Promise<void>;
  /** Closes every WebSocket (1001 Going Away) and stops following the stream. */
  dispose(): Promise<void>;
}

// Until authentication exists every subscriber sees every order; the hub already groups and
// filters by viewer, so per-user visibility only has to supply another Viewer.
const EVERYONE: Viewer = { visibilityKey: 'public', canSee: () => true };

export function createSubscriptionServer(options: SubscriptionServerOptions): SubscriptionServer {
  const { httpServer, apollo, schema, bus, logger, metrics, production, keepAliveMs } = options;

  const runQuery = async (query: string, variables: Record<string, unknown> | null | undefined, operationName?: string) => {
    const response = await apollo.executeOperation({
      query,
      variables: variables ?? {},
      ...(operationName && { operationName }),
    });
    if (response.body.kind !== 'single') throw new Error('incremental delivery is not supported here');
    const { data, errors, extensions } = response.body.singleResult;
    // Apollo hands back errors already formatted (formatError ran: codes kept, internals masked);
    // graphql-ws serialises GraphQLError instances, so they are wrapped again as such.
    return {
      ...(data !== undefined && { data: data as ExecutionResult['data'] }),
      ...(errors && {
        errors: errors.map((error) => new GraphQLError(error.message, { path: error.path, extensions: error.extensions })),
      }),
      ...(extensions && { extensions }),
    } satisfies ExecutionResult;
  };

  const hub = new SubscriptionHub(
    (query, changeId) => runQuery(query.query, { ...query.variables, [CHANGE_ID_VARIABLE]: changeId }, query.operationName),
    logger,
    metrics,
  );
  const tail: Worker = bus.tail<EventEnvelope>('order', (event) => {
    if (event.type === 'OrderStatusChanged') hub.publish(event as EventEnvelope<'OrderStatusChanged'>);
  });

  const documents = new DocumentCache();
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const cleanup = useServer(
    {
      isProd: production,
      // Parsed and validated here (once per distinct text), against the supergraph, so an invalid
      // operation gets a clear error message before anything runs.
      onSubscribe: (_ctx, _id, payload) => {
        const current = schema();
        if (!current) return [new GraphQLError('The supergraph is not loaded yet; try again shortly.')];
        const checked = documents.check(current, payload.query);
        if ('errors' in checked) return checked.errors;
        const { document } = checked;
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new GraphQLError('The document has no operation of that name; give operationName.')];
        const variables = getVariableValues(current, operation.variableDefinitions ?? [], payload.variables ?? {});
        if (variables.errors) return variables.errors;
        return {
          schema: current,
          document,
          variableValues: variables.coerced,
          ...(payload.operationName && { operationName: payload.operationName }),
        } satisfies ExecutionArgs;
      },
      // Queries and mutations sent over the socket take the gateway's normal path.
      execute: (args) => runQuery(payloadText(args), args.variableValues, args.operationName ?? undefined),
      subscribe: (args) => {
        const operation = getOperationAST(args.document, args.operationName);
        if (operation?.operation !== 'subscription') {
          return runQuery(payloadText(args), args.variableValues, args.operationName ?? undefined);
        }
        try {
          return hub.subscribe(toEventQuery(args.schema, args.document, operation, args.variableValues ?? {}), EVERYONE);
        } catch (error) {
          if (error instanceof GraphQLError) return { errors: [error] };
          throw error;
        }
      },
    },
    wsServer,
    keepAliveMs,
  );

  return {
    hub,
    start: () => tail.start(),
    dispose: async () => {
      await tail.stop();
      await cleanup.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}

/** The operation's text, for running it through Apollo Server (which parses it again, cached). */
function payloadText(args: ExecutionArgs): string {
  return args.document.loc?.source.body ?? '';
}
