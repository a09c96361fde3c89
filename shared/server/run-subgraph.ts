// The start-up sequence every subgraph shares: config, migrations, database, server, listen.
import { EnvReader, type SubgraphConfig } from '../config';
import { applyMigrations } from '../db/migrations';
import type { EventBus, RelayOptions, Worker } from '../events/bus';
import type { EventHandlers } from '../events/consumer';
import { EVENT_STREAMS, type EventType, type StreamName } from '../events/contracts';
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
import { createSubgraphServer, type SubgraphResolvers } from './subgraph';

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

/** Readiness of a subgraph: its database answers. */
export async function checkDatabase(db: SubgraphDb): Promise<void> {
  await db.$executeRawUnsafe('SELECT 1');
}

/** What a subgraph's `setup` builds once per process, each part holding the same instances. */
export interface SubgraphParts<TContext extends BaseContext> {
  /** Called once per request with its caller: DataLoaders live exactly as long as one request. */
  context: (viewer: Viewer) => TContext;
  /**
   * What keeps the contexts' shared state current (a stream tail feeding subscriptions, a
   * throttle's Redis link): started once the server serves, stopped after its sockets have closed.
   */
  workers?: Worker[];
  /** Publishes the outbox its transactions write to: `true`, or options for the relay. */
  relay?: true | RelayOptions;
  /**
   * What it does with the events it reacts to: the runtime consumes the streams these travel on,
   * as a member of the service's consumer group.
   */
  eventHandlers?: EventHandlers;
}

/** Everything needed to start one subgraph: used by its index.ts, the launcher and the tests. */
export interface Subgraph<Db extends SubgraphDb, Config extends SubgraphConfig, TContext extends BaseContext> {
  name: SubgraphName;
  readConfig: (env: EnvReader) => Config;
  createDb: (config: NoInfer<Config>) => Db;
  resolvers: SubgraphResolvers<TContext>;
  /** Called once per process with what lives as long as it (database, bus, clients of other services). */
  setup: (deps: SubgraphDeps<Db, Config>) => SubgraphParts<TContext>;
}

/** Types a subgraph's definition: the context its resolvers take is the one its setup makes. */
export function defineSubgraph<Db extends SubgraphDb, Config extends SubgraphConfig, TContext extends BaseContext>(
  definition: Subgraph<Db, Config, TContext>,
): Subgraph<Db, Config, TContext> {
  return definition;
}

/** The streams the handled event types travel on, each once. */
export function consumedStreams(handlers: EventHandlers): StreamName[] {
  return [...new Set((Object.keys(handlers) as EventType[]).map((type) => EVENT_STREAMS[type]))];
}

export interface RunningSubgraph<Db> extends RunningService {
  db: Db;
}

/**
 * Starts a subgraph in this process and resolves once it listens. `migrate: false` is for
 * databases already migrated (tests clone theirs from a migrated template).
 */
export async function startSubgraph<Db extends SubgraphDb, Config extends SubgraphConfig, TContext extends BaseContext>(
  subgraph: Subgraph<Db, Config, TContext>,
  env: EnvReader,
  { migrate = true } = {},
): Promise<RunningSubgraph<Db>> {
  const config = subgraph.readConfig(env);
  env.done();
  const logger = createLogger(subgraph.name, config.logLevel);
  const metrics = createMetrics(subgraph.name);

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
  reportListening(subgraph.name, port);
  try {
    if (migrate && config.migrateOnStart) {
      // Before serving: a replica never answers with a schema its database does not have yet.
      http.lifecycle.enter('migrating');
      const applied = await applyMigrations(subgraph.name, config.databaseUrl);
      if (applied.length) logger.info({ applied }, 'applied migrations');
    }
  } catch (error) {
    http.httpServer.close();
    throw error;
  }

  const db = subgraph.createDb(config);
  db.$on('query', ({ query }) => {
    if (countsAsStatement(query)) metrics.dbStatements.inc();
  });
  const bus = createEventBus(config.events, subgraph.name, logger);
  // Outbox backlog and consumer lag, read at each scrape.
  registerEventMetrics(metrics.registry, { bus, db, logger });
  deps = { db, config, logger, metrics, bus, http };
  const parts = subgraph.setup(deps);
  const server = await createSubgraphServer({
    name: subgraph.name,
    resolvers: subgraph.resolvers,
    createContext: parts.context,
    workers: parts.workers ?? [],
    config,
    logger,
    service: http,
  });
  // Serving before the workers start: the events a worker publishes at once (an outbox left by a
  // crashed predecessor) may be resolved through this very server.
  http.lifecycle.enter('serving');
  // The server's own workers first: its subscriptions hear of every change published from now on.
  await server.start();
  const workers = [
    ...(parts.relay ? [bus.relay(config.databaseUrl, parts.relay === true ? {} : parts.relay)] : []),
    ...(parts.eventHandlers ? [bus.consumer(consumedStreams(parts.eventHandlers), parts.eventHandlers)] : []),
  ];
  for (const worker of workers) await worker.start();
  return {
    port,
    logger,
    db,
    shutdown: config.shutdown,
    close: () =>
      drainThenStop(http.lifecycle, config.shutdown, async () => {
        // Relay and consumer first: an event being handled finishes while the database is still there.
        await Promise.all(workers.map((worker) => worker.stop()));
        await server.stop();
        await bus.close();
        await db.$disconnect();
      }),
  };
}

/** The entry point of a subgraph process. */
export function runSubgraph<Db extends SubgraphDb, Config extends SubgraphConfig, TContext extends BaseContext>(
  subgraph: Subgraph<Db, Config, TContext>,
): void {
  runService(`${subgraph.name} subgraph`, () => startSubgraph(subgraph, new EnvReader()));
}
