// /health and /ready of a subgraph that uses the event bus: live whatever happens, ready only
// while its database and its Redis connections are up, and not while its migrations run.
import pg from 'pg';
import { startServiceProcess } from '../../../shared/process/service-process';
import {
  createTestDatabases,
  dropDatabase,
  testDatabasePrefix,
  uncreatedDatabaseUrl,
  withAdmin,
  type TestDatabases,
} from '../../support/databases';
import { TEST_BUS_ENV } from '../../support/events';
import { errorCodes, graphql } from '../../support/graphql';
import { startRedisProxy, type RedisProxy } from '../../support/streams';
import { startTestSubgraph, type TestSubgraph } from '../../support/subgraphs';
import { productSubgraph } from '../../../subgraphs/product/server';
import type { Db } from '../../../subgraphs/product/db';
import { describeWithRedis, describeWithServers } from '../../support/requirements';

let databases: TestDatabases;
let proxy: RedisProxy;
let subgraph: TestSubgraph<Db>;

beforeAll(async () => {
  databases = await createTestDatabases(['product']);
  proxy = await startRedisProxy();
  subgraph = await startTestSubgraph(productSubgraph, databases.product, { REDIS_URL: proxy.url });
});

afterAll(async () => {
  await subgraph?.close();
  await proxy?.close();
  await databases?.drop();
});

const status = async (path: string) => (await fetch(new URL(path, subgraph.url))).status;

/** Asks until `path` answers `expected` (the service notices a dropped connection asynchronously). */
async function until(path: string, expected: number, attempts = 500): Promise<number> {
  let last = 0;
  for (let i = 0; i < attempts && last !== expected; i += 1) last = await status(path);
  return last;
}

describeWithRedis('health and readiness', () => {
  it('should be ready with its database and Redis up, unready while Redis is unreachable, and ready again after', async () => {
    expect(await until('/ready', 200)).toBe(200);
    proxy.cut();
    expect(await until('/ready', 503)).toBe(503);
    expect(await status('/health')).toBe(200);
    proxy.restore();
    expect(await until('/ready', 200, 5_000)).toBe(200);
  });
});

// Prisma's schema engine serialises migrations on this advisory lock (the number is Prisma's).
const PRISMA_MIGRATION_LOCK = 72707369;

describeWithServers('readiness while migrating', () => {
  it('should be live but not ready, and refuse GraphQL with a coded error, until its migrations are applied', async () => {
    const url = uncreatedDatabaseUrl(`${testDatabasePrefix()}_migrating_${process.pid}`);
    await withAdmin((admin) => admin.query(`CREATE DATABASE "${new URL(url).pathname.slice(1)}"`));
    // Held by the test: the subgraph's migrations wait for it.
    const lock = new pg.Client({ connectionString: url });
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATION_LOCK]);
    // PORT=0: the process binds a free port itself and reports it before migrating, so no port is
    // picked here and released for another worker to take first.
    let listening: (port: number) => void = () => {};
    const bound = new Promise<number>((resolve) => (listening = resolve));
    const starting = startServiceProcess('product', {
      env: {
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
        ...TEST_BUS_ENV,
        PRODUCT_DATABASE_URL: url,
      },
      onListening: listening,
    });
    try {
      // A process that fails to start rejects `starting` and so this wait, rather than hanging it.
      const base = `http://127.0.0.1:${await Promise.race([bound, starting.then(() => bound)])}`;
      // What it says while its migrations wait for the lock.
      const answer = await fetch(`${base}/ready`);
      expect(answer.status).toBe(503);
      expect(await answer.json()).toEqual({ status: 'migrating' });
      expect((await fetch(`${base}/health`)).status).toBe(200);
      const refused = await graphql(`${base}/graphql`, '{ __typename }');
      expect(refused.status).toBe(503);
      expect(errorCodes(refused)).toEqual(['SERVICE_UNAVAILABLE']);

      await lock.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATION_LOCK]);
      const service = await starting;
      expect((await fetch(`${base}/ready`)).status).toBe(200);
      expect((await graphql(`${base}/graphql`, '{ __typename }')).data).toEqual({ __typename: 'Query' });
      expect(await service.stop()).toBe(0);
    } finally {
      await lock.end();
      await starting.then((service) => service.stop()).catch(() => undefined);
      await dropDatabase(url);
    }
  }, 60_000);
});
