// Builds a subgraph's server without listening, so tests and the entry point share it.
import { readFileSync } from 'node:fs';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import { parse, type DocumentNode, type GraphQLResolveInfo, type GraphQLScalarType } from 'graphql';
import { IDENTITY_HEADER, viewerFromHeader } from '../auth/internal-token';
import type { Viewer } from '../auth/identity';
import { normalizeIdArguments } from '../graphql/normalize-ids';
import type { SubgraphConfig } from '../config';
import type { Logger } from '../logger';
import { subgraphSchemaPath } from '../paths';
import type { SubgraphName } from '../services';
import { sharedApolloOptions } from './apollo';
import { mountGraphQL, type HttpService } from './http-service';

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
}

export interface SubgraphServer<TContext extends BaseContext> extends HttpService {
  apollo: ApolloServer<TContext>;
  /** Drains HTTP, then stops Apollo. */
  stop(): Promise<void>;
}

export async function createSubgraphServer<TContext extends BaseContext>(
  options: SubgraphServerOptions<TContext>,
): Promise<SubgraphServer<TContext>> {
  const { name, resolvers, createContext, config, logger, service } = options;
  const apollo = new ApolloServer<TContext>({
    // The one cast between the generated types and Apollo's: GraphQLResolverMap has every resolver
    // take (parent, args, context, info), where `__resolveReference` takes (reference, context,
    // info); its context is `unknown` because Apollo only passes along what createContext made.
    // Ids arrive in their one spelling, whichever a client used (shared/graphql/normalize-ids.ts).
    schema: normalizeIdArguments(
      buildSubgraphSchema([{ typeDefs: loadTypeDefs(name), resolvers: resolvers as GraphQLResolverMap<unknown> }]),
    ),
    ...sharedApolloOptions<TContext>(config, logger, service.httpServer, { isSubgraph: true, metrics: service.metrics }),
  });
  await apollo.start();
  mountGraphQL(service, apollo, {
    // Identity only from the signed internal header: anything else a client sends is ignored.
    context: async (req) => createContext(viewerFromHeader(req.headers[IDENTITY_HEADER], config.internal)),
    logger,
  });
  return { ...service, apollo, stop: () => apollo.stop() };
}
