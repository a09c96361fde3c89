// `npm start`: the whole supergraph on this machine, with nothing installed but Node.
//
// Each subgraph's database is the one its *_DATABASE_URL names, or else an embedded PostgreSQL
// (PGlite) in DATA_DIR/<subgraph> (.data/ by default), kept between runs. With REDIS_URL set the
// services share Redis and each runs as its own process; without it they run in this process on
// the in-process event bus, each still on its own port with its own database. First start
// creates and migrates the databases and seeds them; Ctrl-C (or SIGTERM) stops everything
// cleanly. A .env at the project root, when there is one, fills in what the environment leaves
// unset (scripts/load-env-file.ts); the variables are those of docs/configuration.md.
// First the .env file, then tracing, which hooks http and pg before anything loads them.
import { ENV_FILE, envFileLoaded } from './load-env-file';
import '../shared/telemetry/register';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import { startGateway } from '../gateway/start';
import { SUPERGRAPH_SDL, supergraphMayBeStale } from '../gateway/supergraph-files';
import { DEMO_ACCOUNTS } from '../prisma/seed/demo-accounts';
import { countUsers, skippedSummary } from '../prisma/seed/status';
import { EnvReader } from '../shared/config';
import { acquireEmbedded, embeddedDirectory, embeddedUrl, isEmbeddedUrl, type EmbeddedHandle } from '../shared/db/embedded';
import { ensureDatabase } from '../shared/db/ensure-database';
import { applyMigrations } from '../shared/db/migrations';
import { inProcessHub } from '../shared/events/in-process-bus';
import { setLogDestination } from '../shared/logger';
import { shutdownTelemetry } from '../shared/telemetry';
import { startServiceProcess } from '../shared/process/service-process';
import { formatLogLines } from '../shared/process/terminal-log';
import type { ReadyMessage, RunningService } from '../shared/server/run';
import { databaseUrlVar, localGraphQLUrl, START_WAVES, SUBGRAPHS, subgraphUrlVar, type SubgraphName } from '../shared/services';
import { databaseUrlName, defaultOf } from '../shared/variables';
import { startSubgraphNamed } from '../subgraphs/runtimes';
import { buildWebApp, WEB_DIST, webAppIsStale } from './web-app';

type ServiceName = SubgraphName | 'gateway';

const started = performance.now();
const step = (message: string) => console.log(`\u25b8 ${message}`);
const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

interface Plan {
  databases: Record<SubgraphName, string>;
  /** No REDIS_URL: every service in this process, on the in-process event bus. */
  redisUrl: string | null;
  /** PORT=0: every service on a free port (tests, or a second copy beside the first). */
  port: (name: ServiceName) => number;
  seed: boolean;
}

/** What to run, from the launcher's own variables; throws a ConfigError naming every problem. */
function plan(env: EnvReader): Plan {
  const dataDir = path.resolve(env.string('DATA_DIR'));
  const databases = Object.fromEntries(
    SUBGRAPHS.map((name) => {
      const variable = databaseUrlName(name);
      return [name, env.has(variable) ? env.url(variable) : embeddedUrl(path.join(dataDir, name))];
    }),
  ) as Record<SubgraphName, string>;
  const gatewayPort = env.int('PORT', { service: 'gateway' });
  const launch: Plan = {
    databases,
    redisUrl: env.has('REDIS_URL') ? env.url('REDIS_URL') : null,
    // Only the gateway's port is the launcher's to choose: the subgraphs keep theirs.
    port: (name) =>
      gatewayPort === 0 ? 0 : name === 'gateway' ? gatewayPort : defaultOf('PORT', { production: false, service: name }),
    seed: env.oneOf('SEED') === 'on',
  };
  env.done();
  return launch;
}

function describeDatabase(url: string): string {
  if (isEmbeddedUrl(url)) return `embedded PostgreSQL in ${path.relative(process.cwd(), embeddedDirectory(url)) || '.'}`;
  const { host, pathname } = new URL(url);
  return `PostgreSQL at ${host}${pathname}`;
}

/** Composes again when a subgraph's SDL changed since the last composition. */
async function checkSupergraph(): Promise<void> {
  if (!supergraphMayBeStale()) return;
  // Loaded only then: the composition library takes a while to load.
  const { composeSupergraph } = require('../gateway/compose') as typeof import('../gateway/compose');
  const composition = composeSupergraph();
  if (!composition.ok) throw new Error(`composition failed:\n  - ${composition.errors.join('\n  - ')}`);
  if (!existsSync(SUPERGRAPH_SDL) || readFileSync(SUPERGRAPH_SDL, 'utf8') !== composition.supergraphSdl) {
    writeFileSync(SUPERGRAPH_SDL, composition.supergraphSdl);
    console.log('  supergraph SDL updated: commit gateway/supergraph.graphql');
  } else {
    // Marked as composed from what is there now (a fresh clone's files have arbitrary times).
    const now = new Date();
    utimesSync(SUPERGRAPH_SDL, now, now);
  }
}

/** Fails fast, saying what to do, when the Redis that REDIS_URL names does not answer. */
async function requireRedis(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3_000 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch {
    throw new Error(`Redis is not reachable at ${url}: start it, or unset REDIS_URL to run on the in-process event bus.`);
  } finally {
    redis.disconnect();
  }
}

function explainDatabaseError(error: unknown): unknown {
  const { code, address, port } = error as { code?: string; address?: string; port?: number };
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT') {
    return new Error(
      `PostgreSQL is not reachable at ${address ?? '?'}:${port ?? '?'}: start it, set the *_DATABASE_URL variables, or unset them for embedded databases.`,
    );
  }
  return error;
}

/**
 * Creates missing databases, then migrates each. With `hold`, the embedded ones stay open
 * afterwards, so the services of this process join them instead of opening them again.
 */
async function prepareDatabases({ databases }: Plan, hold: boolean): Promise<EmbeddedHandle[]> {
  const created = new Set<SubgraphName>();
  for (const name of SUBGRAPHS) {
    const fresh = await ensureDatabase(databases[name]).catch((error: unknown) => {
      throw explainDatabaseError(error);
    });
    if (fresh) created.add(name);
  }
  const holds = hold ? Object.values(databases).filter(isEmbeddedUrl).map(acquireEmbedded) : [];
  for (const name of SUBGRAPHS) {
    const url = databases[name];
    const applied = await applyMigrations(name, url);
    const what = [created.has(name) && 'created', applied.length && `${applied.length} migration(s) applied`]
      .filter(Boolean)
      .join(', ');
    console.log(`  ${name.padEnd(8)} ${describeDatabase(url)}: ${what || 'up to date'}`);
  }
  return holds;
}

/** Starts one service; resolves with its /graphql URL and how to stop it. */
type Launch = (name: ServiceName, env: Record<string, string>) => Promise<{ url: string; close: () => Promise<void> }>;

function launchInProcess(): Launch {
  return async (name, env) => {
    const reader = new EnvReader({ ...process.env, ...env, EVENT_BUS: 'in-process' });
    const service: RunningService =
      name === 'gateway' ? await startGateway(reader) : await startSubgraphNamed[name](reader, { migrate: false });
    return { url: localGraphQLUrl(service.port), close: service.close };
  };
}

function launchProcesses(onExit: (name: ServiceName, code: number | null) => void): Launch {
  return async (name, env) => {
    const service = await startServiceProcess(name, {
      env,
      onOutput: (chunk) => formatLogLines(chunk, name).forEach((line) => console.log(line)),
    });
    service.child.once('exit', (code) => onExit(name, code));
    return { url: service.url, close: async () => void (await service.stop()) };
  };
}

async function main(): Promise<void> {
  if (envFileLoaded) console.log(`  settings from ${ENV_FILE} (the environment wins where both set one)`);
  const launch = plan(new EnvReader());
  const inProcess = launch.redisUrl === null;
  step('composing the supergraph');
  await checkSupergraph();
  // Built beside the databases' preparation; the gateway needs it only once it starts.
  const storefront = prepareStorefront();
  // Awaited later: marked as handled now, so a failed build ends the launcher through main's catch.
  storefront.catch(() => undefined);

  if (launch.redisUrl !== null) await requireRedis(launch.redisUrl);
  step('preparing databases (created, migrated, seeded on first start)');
  // Kept open only for services of this process: another process may open an embedded database
  // only once this one has let go of it.
  const holds = await prepareDatabases(launch, inProcess);
  if (launch.seed) {
    const users = await countUsers(launch.databases.user);
    // The seed and its data generator are loaded only for a first start.
    const seed = () => (require('../prisma/seed/index') as typeof import('../prisma/seed/index')).seed(launch.databases);
    const summary = users ? skippedSummary(users) : (await seed()).summary;
    console.log(`  ${summary}`);
  }

  let stopping = 0;
  const running: { name: ServiceName; close: () => Promise<void> }[] = [];
  const stopAll = async () => {
    // Events not yet handled stay in their outboxes for the next start.
    inProcessHub.close();
    // The gateway first (its WebSockets close with 1001 Going Away), so no request reaches a
    // subgraph that is already going away; then the subgraphs, each finishing what is in flight.
    const gateway = running.filter((service) => service.name === 'gateway');
    const subgraphs = running.filter((service) => service.name !== 'gateway');
    await Promise.all(gateway.map((service) => service.close()));
    await Promise.all(subgraphs.map((service) => service.close()));
    // Last, so the spans of the final requests are exported too (when tracing is on).
    await shutdownTelemetry();
  };
  const shutdown = (reason: string) => {
    if (stopping) {
      // One Ctrl-C can arrive twice (the terminal signals the whole process group, npm passes
      // it on too): only a later one forces.
      if (performance.now() - stopping < 1_000) return;
      console.log('forced to stop');
      process.exit(1);
    }
    stopping = performance.now();
    console.log(`\n${reason}: stopping the supergraph`);
    stopAll().then(
      () => {
        console.log('stopped cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        console.error('error while stopping:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const start = inProcess
    ? launchInProcess()
    : launchProcesses((name, code) => {
        // A service that dies takes the others down with it: a half-running supergraph misleads.
        if (!stopping) {
          console.error(`${name} exited unexpectedly (code ${code})`);
          shutdown('service exit');
        }
      });
  if (inProcess) {
    setLogDestination({ write: (chunk: string) => void formatLogLines(chunk).forEach((line) => console.log(line)) });
    // Events left in the outboxes by the last run wait until every consumer listens.
    inProcessHub.hold();
  }

  step(`starting subgraphs and gateway (${inProcess ? 'one process, in-process event bus' : 'one process each, Redis'})`);
  const urls = {} as Record<SubgraphName, string>;
  try {
    for (const wave of START_WAVES) {
      await Promise.all(
        wave.map(async (name) => {
          const peers = Object.fromEntries(
            Object.entries(urls).map(([peer, url]) => [subgraphUrlVar(peer as SubgraphName), url]),
          );
          const service = await start(name, {
            ...peers,
            PORT: String(launch.port(name)),
            [databaseUrlVar(name)]: launch.databases[name],
          });
          running.push({ name, close: service.close });
          urls[name] = service.url;
        }),
      );
    }
    const peers = Object.fromEntries(SUBGRAPHS.map((name) => [subgraphUrlVar(name), urls[name]]));
    const gateway = await start('gateway', { ...peers, PORT: String(launch.port('gateway')), WEB_DIST_DIR: await storefront });
    running.push({ name: 'gateway', close: gateway.close });
    inProcessHub.open();
    await Promise.all(holds.splice(0).map((hold) => hold.release()));
    printBanner(gateway.url, urls);
    process.send?.({
      type: 'ready',
      port: Number(new URL(gateway.url).port),
      services: Object.fromEntries(Object.entries(urls).map(([name, url]) => [name, Number(new URL(url).port)])),
    } satisfies ReadyMessage);
  } catch (error) {
    stopping = performance.now();
    await stopAll();
    throw error;
  }
}

/**
 * The storefront's built files for the gateway to serve at /: those WEB_DIST_DIR names, else
 * web/dist, built first when it is missing or older than web/'s sources.
 */
async function prepareStorefront(): Promise<string> {
  const given = new EnvReader().string('WEB_DIST_DIR');
  if (given) return given;
  if (webAppIsStale()) {
    step(`building the storefront (${existsSync(WEB_DIST) ? 'web/ changed since its last build' : 'first start'})`);
    await buildWebApp();
  }
  return WEB_DIST;
}

function printBanner(gatewayUrl: string, urls: Record<SubgraphName, string>): void {
  const gateway = gatewayUrl.replace('127.0.0.1', 'localhost');
  console.log(`
  Supergraph ready in ${seconds()}
    Storefront       ${gateway.replace(/\/graphql$/, '/')}  (the web app; npm run dev:web for hot reload)
    GraphQL (HTTP)   ${gateway}
    Apollo Sandbox   ${gateway}  (open it in a browser)
    Subscriptions    ${gateway.replace('http', 'ws')}  (graphql-ws)
                     ${gateway}  (graphql-sse, Apollo multipart)
    Demo logins      ${DEMO_ACCOUNTS.admin.email} / ${DEMO_ACCOUNTS.admin.password} (ADMIN)
                     ${DEMO_ACCOUNTS.customer.email} / ${DEMO_ACCOUNTS.customer.password} (CUSTOMER)
    Subgraphs        ${SUBGRAPHS.map((name) => `${name} :${new URL(urls[name]).port}`).join(', ')}
  Ctrl-C stops everything.
`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
