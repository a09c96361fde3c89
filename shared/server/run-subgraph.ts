// The start-up sequence every subgraph shares: config, migrations, database, server, listen.
import { EnvReader, type SubgraphConfig } from '../config';
import { applyMigrations } from '../db/migrations';
import type { EventBus, Worker } from '../events/bus';
import { createEventBus } from '../events/create-event-bus';
import { registerEventMetrics } from '../events/metrics';
import { createLogger, type Logger } from '../logger';
import { countsAsStatement, createMetrics, type Metrics } from '../metrics';
import type { SubgraphName } from '../services';
import type { BaseContext } from '@apollo/server';
import type { Viewer } from '../auth/identity';
import { reportListening, runService, type RunningService } from './run';
import { createHttpService, type HttpService } from './http-service';
import { drainThenStop } from './lifecycle';
import { createSubgraphServer, type SubgraphResolvers, type SubgraphServer } from './subgraph';

/** What the shared start-up needs of a subgraph's Prisma client. */
export interface SubgraphDb {
  $on(event: 'query', callback: (event: { query: string }) => void): unknown;
  $executeRawUnsafe(query: string): Promise<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $disconnect(): Promise<void>;
}

export interface SubgraphDeps<Db, Config> {
  db: Db;
  config: Config;
  logger: Logger;
  metrics: Metrics;
  bus: EventBus;
  /** The process's HTTP service, listening since before migrations ran. */
  http: HttpService;
}

export interface SubgraphRuntime<Db extends SubgraphDb, Config extends SubgraphConfig> {
  name: SubgraphName;
  readConfig: (env: EnvReader) => Config;
  createDb: (config: Config) => Db;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the context type is the subgraph's own business; here a server is only started and stopped.
  createServer: (deps: SubgraphDeps<Db, Config>) => Promise<SubgraphServer<any>>;
  /** What runs beside the server: outbox relay, event consumers. */
  createWorkers?: (deps: SubgraphDeps<Db, Config>) => Worker[];
}

/** Readiness of a subgraph: its database answers. */
export async function checkDatabase(db: SubgraphDb): Promise<void> {
  await db.$executeRawUnsafe('SELECT 1');
}

export interface SubgraphDefinition<Db extends SubgraphDb, Config extends SubgraphConfig, TContext extends BaseContext> {
  name: SubgraphName;
  readConfig: (env: EnvReader) => Config;
  createDb: (config: NoInfer<Config>) => Db;
  resolvers: SubgraphResolvers<TContext>;
  /**
   * Called once per process with what lives as long as it (database, clients of other services)
   * and returns the per-request context factory, given the request's caller: DataLoaders live
   * exactly as long as one request.
   */
  contextFactory: (deps: SubgraphDeps<Db, Config>) => ContextFactory<TContext>;
  /** What runs beside the server: outbox relay, event consumers. */
  workers?: (deps: SubgraphDeps<Db, Config>) => Worker[];
}

/**
 * The per-request context factory; or that and the workers that keep current what its contexts
 * share (a stream tail feeding the subscriptions it serves), which run as long as the server does:
 * started once it serves, stopped after its sockets have closed. So one instance is both in the
 * contexts and in the workers without being looked up anywhere.
 */
export type ContextFactory<TContext> =
  ((viewer: Viewer) => TContext) | { context: (viewer: Viewer) => TContext; workers: Worker[] };

/** A subgraph's runtime from its definition: every subgraph's server is built the same way. */
export function defineSubgraph<Db extends SubgraphDb, Config extends SubgraphConfig, TContext extends BaseContext>(
  definition: SubgraphDefinition<Db, Config, TContext>,
): SubgraphRuntime<Db, Config> {
  const { name, readConfig, createDb, resolvers, contextFactory, workers } = definition;
  return {
    name,
    readConfig,
    createDb,
    ...(workers && { createWorkers: workers }),
    createServer: (deps) => {
      const factory = contextFactory(deps);
      const { context, workers: serving } = typeof factory === 'function' ? { context: factory, workers: [] } : factory;
      return createSubgraphServer({
        name,
        resolvers,
        createContext: context,
        workers: serving,
        config: deps.config,
        logger: deps.logger,
        service: deps.http,
      });
    },
  };
}

export interface RunningSubgraph<Db> extends RunningService {
  db: Db;
}

/**
 * Starts a subgraph in this process and resolves once it listens. `migrate: false` is for
 * databases already migrated (tests clone theirs from a migrated template).
 */
export async function startSubgraph<Db extends SubgraphDb, Config extends SubgraphConfig>(
  runtime: SubgraphRuntime<Db, Config>,
  env: EnvReader,
  { migrate = true } = {},
): Promise<RunningSubgraph<Db>> {
  const config = runtime.readConfig(env);
  env.done();
  const logger = createLogger(runtime.name, config.logLevel);
  const metrics = createMetrics(runtime.name);

  // Listening first, so that an orchestrator sees a live process (/health) that is not ready
  // (/ready: "migrating") while migrations run, rather than a port that does not answer.
  let deps: SubgraphDeps<Db, Config> | undefined;
  const http = createHttpService({
    logger,
    metrics,
    bodyLimitBytes: config.bodyLimitBytes,
    // Its own database and Redis connections only: a subgraph whose peers are down still
    // serves what it owns.
    checkReady: async () => {
      if (!deps) throw new Error('not started');
      deps.bus.checkConnected();
      await checkDatabase(deps.db);
    },
  });
  const port = await http.listen(config.port, config.host);
  reportListening(runtime.name, port);
  try {
    if (migrate && config.migrateOnStart) {
      // Before serving: a replica never answers with a schema its database does not have yet.
      http.lifecycle.enter('migrating');
      const applied = await applyMigrations(runtime.name, config.databaseUrl);
      if (applied.length) logger.info({ applied }, 'applied migrations');
    }
  } catch (error) {
    http.httpServer.close();
    throw error;
  }

  const db = runtime.createDb(config);
  db.$on('query', ({ query }) => {
    if (countsAsStatement(query)) metrics.dbStatements.inc();
  });
  const bus = createEventBus(config.events, runtime.name, logger);
  // Outbox backlog and consumer lag, read at each scrape.
  registerEventMetrics(metrics.registry, { bus, db, logger });
  deps = { db, config, logger, metrics, bus, http };
  const server = await runtime.createServer(deps);
  // Serving before the workers start: the events a worker publishes at once (an outbox left by a
  // crashed predecessor) may be resolved through this very server.
  http.lifecycle.enter('serving');
  // The server's own workers first: its subscriptions hear of every change published from now on.
  await server.start();
  const workers = runtime.createWorkers?.(deps) ?? [];
  for (const worker of workers) await worker.start();
  return {
    port,
    logger,
    db,
    shutdown: config.shutdown,
    close: () =>
      drainThenStop(http.lifecycle, config.shutdown, async () => {
        // Workers first: an event being handled finishes while the database is still there.
        await Promise.all(workers.map((worker) => worker.stop()));
        await server.stop();
        await bus.close();
        await db.$disconnect();
      }),
  };
}

/** The entry point of a subgraph process. */
export function runSubgraph<Db extends SubgraphDb, Config extends SubgraphConfig>(runtime: SubgraphRuntime<Db, Config>): void {
  runService(`${runtime.name} subgraph`, () => startSubgraph(runtime, new EnvReader()));
}
