// Builds a subgraph's server without listening, so tests and the entry point share it.
import { readFileSync } from 'node:fs';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import { parse, type DocumentNode, type GraphQLResolveInfo, type GraphQLScalarType } from 'graphql';
import { IDENTITY_HEADER, viewerFromHeader } from '../auth/internal-token';
import type { Viewer } from '../auth/identity';
import type { Worker } from '../events/worker';
import { normalizeIdArguments } from '../graphql/normalize-ids';
import type { SubgraphConfig } from '../config';
import { operationLimitsPlugin } from '../limits/apollo-plugin';
import { OperationLimits } from '../limits/operation-limits';
import { limitRejectionsCounter } from '../limits/rejections';
import type { Logger } from '../logger';
import { subgraphSchemaPath } from '../paths';
import type { SubgraphName } from '../services';
import { sharedApolloOptions } from './apollo';
import { checkRepresentations } from './entities';
import { mountGraphQL, type HttpService } from './http-service';
import { refuseSubscriptionsOverHttp } from './http-subscriptions';
import { schemaReadGuardPlugin } from './introspection';
import { serveSubscriptionsOverWebSocket } from './ws-subscriptions';

/** The subgraph's SDL file: the contract, also read by composition. */
export function loadTypeDefs(name: SubgraphName): DocumentNode {
  return parse(readFileSync(subgraphSchemaPath(name), 'utf8'));
}

/**
 * A subgraph's resolver map, typed by its generated `Resolvers` (`npm run codegen` writes
 * subgraphs/<name>/generated/graphql.ts), which checks every resolver against the SDL. Here only
 * its outline: per GraphQL type a scalar, or resolvers that take the subgraph's context.
 */
export type SubgraphResolvers<TContext> = Record<
  string,
  GraphQLScalarType | Record<string, TypeResolver<TContext> | undefined> | undefined
>;

type TypeResolver<TContext> =
  // A field: parent, arguments, context, info.
  | ((parent: never, args: never, context: TContext, info: GraphQLResolveInfo) => unknown)
  // `__resolveReference`: the representation, context, info.
  | ((reference: never, context: TContext, info: GraphQLResolveInfo) => unknown)
  | { resolve?: TypeResolver<TContext>; subscribe?: TypeResolver<TContext> };

export interface SubgraphServerOptions<TContext extends BaseContext> {
  name: SubgraphName;
  resolvers: SubgraphResolvers<TContext>;
  /** Called once per request with its caller: DataLoaders live exactly as long as one request. */
  createContext: (viewer: Viewer) => TContext;
  config: SubgraphConfig;
  logger: Logger;
  /** The HTTP service it is mounted on: already listening while migrations ran. */
  service: HttpService;
  /** What keeps the contexts' shared state current (a stream tail feeding subscriptions). */
  workers?: Worker[];
}

export interface SubgraphServer<TContext extends BaseContext> extends HttpService {
  apollo: ApolloServer<TContext>;
  /** Starts its workers; called once the service serves. */
  start(): Promise<void>;
  /** Closes subscription sockets (1001 Going Away), stops its workers, drains HTTP, stops Apollo. */
  stop(): Promise<void>;
}

export async function createSubgraphServer<TContext extends BaseContext>(
  options: SubgraphServerOptions<TContext>,
): Promise<SubgraphServer<TContext>> {
  const { name, resolvers, createContext, config, logger, service, workers = [] } = options;
  const typeDefs = loadTypeDefs(name);
  const shared = sharedApolloOptions<TContext>(config, logger, service.httpServer, {
    isSubgraph: true,
    metrics: service.metrics,
  });
  // The one cast between the generated types and Apollo's: GraphQLResolverMap has every resolver
  // take (parent, args, context, info), where `__resolveReference` takes (reference, context,
  // info); its context is `unknown` because Apollo only passes along what createContext made.
  // Ids arrive in their one spelling, whichever a client used (shared/graphql/normalize-ids.ts).
  // Representations `_entities` cannot resolve are BAD_USER_INPUT, not internal errors (entities.ts).
  const schema = normalizeIdArguments(
    checkRepresentations(buildSubgraphSchema([{ typeDefs, resolvers: resolvers as GraphQLResolverMap<unknown> }]), typeDefs),
  );
  const limits = new OperationLimits(config.limits);
  const rejections = limitRejectionsCounter(service.metrics.registry, {
    name: 'subgraph_limit_rejections_total',
    help: "Operations refused by the subgraph's own query limits (depth, aliases, cost), by error code.",
  });
  const apollo = new ApolloServer<TContext>({
    schema,
    ...shared,
    // Decided per request instead (introspection.ts): in production only with the internal identity.
    introspection: true,
    plugins: [
      ...(shared.plugins ?? []),
      // Anything inside the cluster can reach a subgraph, not only the gateway, which already held
      // clients to its own limits: bound what one request may ask here too (HTTP 400, coded).
      operationLimitsPlugin<TContext>(limits, rejections),
      ...(config.production ? [schemaReadGuardPlugin<TContext>(config.internal)] : []),
    ],
  });
  await apollo.start();
  mountGraphQL(service, apollo, {
    // Identity only from the signed internal header: anything else a client sends is ignored.
    context: async (req) => createContext(viewerFromHeader(req.headers[IDENTITY_HEADER], config.internal)),
    middleware: [refuseSubscriptionsOverHttp()],
    logger,
  });
  // A subgraph whose SDL has subscriptions serves them itself, to routers that pass them through.
  const webSocket = schema.getSubscriptionType()
    ? serveSubscriptionsOverWebSocket({
        httpServer: service.httpServer,
        schema,
        createContext,
        internal: config.internal,
        production: config.production,
        maxPayloadBytes: config.bodyLimitBytes,
        limits,
        rejections,
        logger,
      })
    : undefined;
  return {
    ...service,
    apollo,
    start: async () => {
      for (const worker of workers) await worker.start();
    },
    stop: async () => {
      // Sockets first, each with its 1001 Going Away: the HTTP drain would end upgraded sockets
      // without a close frame, which clients see as 1006.
      await webSocket?.dispose();
      await Promise.all(workers.map((worker) => worker.stop()));
      await apollo.stop();
    },
  };
}
