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
import type { ServiceConfig } from '../config';
import { createErrorFormatter } from '../errors';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { operationMetricsPlugin } from './operation-metrics';

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

function apolloLogger(logger: Logger) {
  return {
    debug: (message: string) => logger.debug(message),
    info: (message: string) => logger.info(message),
    warn: (message: string) => logger.warn(message),
    error: (message: string) => logger.error(message),
  };
}
