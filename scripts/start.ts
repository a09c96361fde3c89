// `npm start`: the whole supergraph on this machine. Composes the supergraph, creates and migrates
// the four databases, seeds them on the first run, then starts each subgraph and the gateway as
// its own process on its default port. Ctrl-C stops everything cleanly.
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import Redis from 'ioredis';
import { composeSupergraph, SUPERGRAPH_SDL } from '../gateway/compose';
import { migrateAll } from '../prisma/migrate';
import { DEMO_ACCOUNTS, seed } from '../prisma/seed/index';
import { EnvReader, readEventBusConfig } from '../shared/config';
import { startServiceProcess, type ServiceProcess } from '../shared/process/service-process';
import { DEFAULT_PORTS, SUBGRAPHS, type SubgraphName } from '../shared/services';

const step = (message: string) => console.log(`\u25b8 ${message}`);

/** Fails fast, with what to do, when a server the supergraph needs is not there. */
async function requireRedis(): Promise<void> {
  const { redisUrl } = readEventBusConfig(new EnvReader());
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 3_000,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch {
    throw new Error(`Redis is not reachable at ${redisUrl}: start it, or set REDIS_URL.`);
  } finally {
    redis.disconnect();
  }
}

function explainDatabaseError(error: unknown): unknown {
  const { code, address, port } = error as { code?: string; address?: string; port?: number };
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT') {
    return new Error(
      `PostgreSQL is not reachable at ${address ?? '?'}:${port ?? '?'}: start it, or set the *_DATABASE_URL variables.`,
    );
  }
  return error;
}

/** Pino's JSON lines, shortened to "[service] message" for a terminal. */
function printServiceOutput(name: string) {
  return (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) {
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
        const level = (entry.level ?? 30) >= 50 ? 'error ' : (entry.level ?? 30) >= 40 ? 'warn ' : '';
        console.log(`[${name}] ${level}${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message}` : ''}`);
      } catch {
        console.log(`[${name}] ${line}`);
      }
    }
  };
}

async function main(): Promise<void> {
  step('composing the supergraph');
  const composition = composeSupergraph();
  if (!composition.ok) throw new Error(`composition failed:\n  - ${composition.errors.join('\n  - ')}`);
  if (!existsSync(SUPERGRAPH_SDL) || readFileSync(SUPERGRAPH_SDL, 'utf8') !== composition.supergraphSdl) {
    writeFileSync(SUPERGRAPH_SDL, composition.supergraphSdl);
    console.log('  supergraph SDL updated: commit gateway/supergraph.graphql');
  }

  step('checking PostgreSQL and Redis, migrating databases');
  await requireRedis();
  await migrateAll(SUBGRAPHS, (line) => console.log(`  ${line}`)).catch((error: unknown) => {
    throw explainDatabaseError(error);
  });

  step('seeding (first run only)');
  const { summary } = await seed({}, { ifEmpty: true });
  console.log(`  ${summary}`);

  const started: ServiceProcess[] = [];
  const stopAll = async () => {
    // The gateway first, so no request reaches a subgraph that is already going away.
    for (const service of started.reverse()) await service.stop();
  };
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the supergraph`);
    stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const start = async (name: SubgraphName | 'gateway') => {
    const service = await startServiceProcess(name, {
      env: { PORT: String(DEFAULT_PORTS[name]) },
      onOutput: printServiceOutput(name),
    });
    started.push(service);
    // A service that dies later takes the others down with it: a half-running supergraph misleads.
    service.child.once('exit', (code) => {
      if (!stopping) {
        console.error(`${name} exited unexpectedly (code ${code})`);
        shutdown('service exit');
      }
    });
  };
  step('starting subgraphs and gateway');
  try {
    await Promise.all(SUBGRAPHS.map(start));
    await start('gateway');
  } catch (error) {
    stopping = true;
    await stopAll();
    throw error;
  }

  const gateway = `http://localhost:${DEFAULT_PORTS.gateway}/graphql`;
  console.log(`
  Supergraph ready
    GraphQL (HTTP)   ${gateway}
    Subscriptions    ${gateway.replace('http', 'ws')}  (graphql-ws)
    Apollo Sandbox   ${gateway}  (open it in a browser)
    Demo logins      ${DEMO_ACCOUNTS.admin.email} / ${DEMO_ACCOUNTS.admin.password} (ADMIN)
                     ${DEMO_ACCOUNTS.customer.email} / ${DEMO_ACCOUNTS.customer.password} (CUSTOMER)
    Subgraphs        ${SUBGRAPHS.map((name) => `${name} :${DEFAULT_PORTS[name]}`).join(', ')}
  Ctrl-C stops everything.
`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
