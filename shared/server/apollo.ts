// Apollo Server options every service in the supergraph shares.
import type http from 'node:http';
import type { ApolloServerOptionsWithSchema, ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloServerPluginDisableSuggestions } from '@apollo/server/plugin/disableSuggestions';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { GraphQLError } from 'graphql';
import type { ServiceConfig } from '../config';
import { createErrorFormatter, ErrorCode } from '../errors';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { operationMetricsPlugin } from './operation-metrics';
import { storableTextPlugin } from './storable-text';

export function sharedApolloOptions<TContext extends BaseContext>(
  config: ServiceConfig,
  logger: Logger,
  httpServer: http.Server,
  { isSubgraph, metrics }: { isSubgraph: boolean; metrics: Metrics },
): Pick<
  ApolloServerOptionsWithSchema<TContext>,
  'plugins' | 'introspection' | 'formatError' | 'includeStacktraceInErrorResponses' | 'logger' | 'stopOnTerminationSignals'
> {
  const plugins: ApolloServerPlugin<TContext>[] = [
    // On shutdown, stop accepting connections and let in-flight requests finish.
    ApolloServerPluginDrainHttpServer({ httpServer }),
    // Development: Apollo Sandbox at the GraphQL URL. Production: no landing page at all.
    config.production
      ? ApolloServerPluginLandingPageDisabled()
      : ApolloServerPluginLandingPageLocalDefault({ embed: true, footer: false }),
    // No @cacheControl hints anywhere, and responses are not cached by HTTP caches. The default
    // cache-control plugin hooks every field resolution, which makes Apollo Server wrap every
    // resolver: measurable CPU on responses with thousands of fields.
    ApolloServerPluginCacheControlDisabled(),
    // Count and latency of operations by name (graphql_operation_duration_seconds).
    operationMetricsPlugin<TContext>(metrics.registry),
    // Text PostgreSQL cannot store (NUL, unpaired surrogates) in any argument: BAD_USER_INPUT.
    storableTextPlugin<TContext>(),
    // No operation to run: 400 OPERATION_RESOLUTION_FAILURE, where the gateway's executor throws a 500.
    operationResolutionPlugin<TContext>(),
  ];
  // Subgraphs would otherwise build an ftv1 trace for every request the gateway marks; we do not
  // report to Apollo Studio, so that is CPU spent for nothing.
  if (isSubgraph) plugins.push(ApolloServerPluginInlineTraceDisabled());
  // "Did you mean ...?" hints describe the schema to anyone; production keeps it private.
  if (config.production) plugins.push(ApolloServerPluginDisableSuggestions());
  return {
    plugins,
    introspection: !config.production,
    includeStacktraceInErrorResponses: false,
    formatError: createErrorFormatter(logger),
    logger: apolloLogger(logger),
    // Our own SIGTERM handling (shared/server/run.ts) drains first and exits 0. Apollo's would stop
    // the server at once (no SHUTDOWN_DELAY_MS) and then kill the process with the signal again.
    stopOnTerminationSignals: false,
  };
}

/**
 * A document without the operation asked for (several operations and no operationName, or an
 * unknown name) is the client's mistake. Apollo Server answers it 400 OPERATION_RESOLUTION_FAILURE
 * when it executes the schema itself, but Apollo Gateway's executor throws on it, which Apollo
 * Server answers 500 (and our query coalescing expects an operation); so it is refused here, for
 * every service alike, with graphql-js's words.
 */
function operationResolutionPlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request }) {
          if (operation) return;
          const message = request.operationName
            ? `Unknown operation named "${request.operationName}".`
            : 'Must provide operation name if query contains multiple operations.';
          throw new GraphQLError(message, {
            extensions: { code: ErrorCode.OPERATION_RESOLUTION_FAILURE, http: { status: 400 } },
          });
        },
      };
    },
  };
}

function apolloLogger(logger: Logger) {
  return {
    debug: (message: string) => logger.debug(message),
    info: (message: string) => logger.info(message),
    warn: (message: string) => logger.warn(message),
    error: (message: string) => logger.error(message),
  };
}
