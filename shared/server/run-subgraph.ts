// The start-up sequence every subgraph shares: config, migrations, database, server, listen.
import { EnvReader, type SubgraphConfig } from '../config';
import { applyMigrations } from '../db/migrations';
import { createEventBus, type EventBus, type Worker } from '../events/bus';
import { createLogger, type Logger } from '../logger';
import { createMetrics, type Metrics } from '../metrics';
import type { SubgraphName } from '../services';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { BaseContext } from '@apollo/server';
import type { Viewer } from '../auth/identity';
import { runService, type RunningService } from './run';
import { createSubgraphServer, type SubgraphServer } from './subgraph';

/** What the shared start-up needs of a subgraph's Prisma client. */
export interface SubgraphDb {
  $on(event: 'query', callback: () => void): unknown;
  $executeRawUnsafe(query: string): Promise<number>;
  $disconnect(): Promise<void>;
}

export interface SubgraphDeps<Db, Config> {
  db: Db;
  config: Config;
  logger: Logger;
  metrics: Metrics;
  bus: EventBus;
}

export interface SubgraphRuntime<Db extends SubgraphDb, Config extends SubgraphConfig> {
  name: SubgraphName;
  readConfig(env: EnvReader): Config;
  createDb(config: Config): Db;
  // any: the context type is the subgraph's own business; here a server is only started and stopped.
  createServer(deps: SubgraphDeps<Db, Config>): Promise<SubgraphServer<any>>;
  /** What runs beside the server: outbox relay, event consumers. */
  createWorkers?(deps: SubgraphDeps<Db, Config>): Worker[];
}

/** Readiness of a subgraph: its database answers. */
export async function checkDatabase(db: SubgraphDb): Promise<void> {
  await db.$executeRawUnsafe('SELECT 1');
}

export interface SubgraphDefinition<Db extends SubgraphDb, Config extends SubgraphConfig, TContext extends BaseContext> {
  name: SubgraphName;
  readConfig(env: EnvReader): Config;
  createDb(config: NoInfer<Config>): Db;
  resolvers: GraphQLResolverMap<TContext>;
  /**
   * Called once per process with what lives as long as it (database, clients of other services)
   * and returns the per-request context factory, given the request's caller: DataLoaders live
   * exactly as long as one request.
   */
  contextFactory(deps: SubgraphDeps<Db, Config>): (viewer: Viewer) => TContext;
  /** What runs beside the server: outbox relay, event consumers. */
  workers?(deps: SubgraphDeps<Db, Config>): Worker[];
}

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
    createServer: (deps) =>
      createSubgraphServer({
        name,
        resolvers,
        createContext: contextFactory(deps),
        config: deps.config,
        logger: deps.logger,
        metrics: deps.metrics,
        // Its own database and Redis connections only: a subgraph whose peers are down still
        // serves what it owns.
        checkReady: async () => {
          deps.bus.checkConnected();
          await checkDatabase(deps.db);
        },
      }),
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

  if (migrate) {
    // Before serving: a replica never answers with a schema its database does not have yet.
    const applied = await applyMigrations(runtime.name, config.databaseUrl);
    if (applied.length) logger.info({ applied }, 'applied migrations');
  }

  const metrics = createMetrics(runtime.name);
  const db = runtime.createDb(config);
  db.$on('query', () => metrics.dbStatements.inc());
  const bus = createEventBus(config.events, runtime.name, logger);
  const deps = { db, config, logger, metrics, bus };
  const server = await runtime.createServer(deps);
  const port = await server.listen(config.port, config.host);
  // After listening: the events a worker publishes at once (an outbox left by a crashed
  // predecessor) may be resolved through this very server.
  const workers = runtime.createWorkers?.(deps) ?? [];
  for (const worker of workers) await worker.start();
  return {
    port,
    logger,
    db,
    close: async () => {
      // Workers first: an event being handled finishes while the database is still there.
      await Promise.all(workers.map((worker) => worker.stop()));
      await server.stop();
      await bus.close();
      await db.$disconnect();
    },
  };
}

/** The entry point of a subgraph process. */
export function runSubgraph<Db extends SubgraphDb, Config extends SubgraphConfig>(runtime: SubgraphRuntime<Db, Config>): void {
  runService(`${runtime.name} subgraph`, () => startSubgraph(runtime, new EnvReader()));
}
