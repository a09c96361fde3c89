// /health and /ready of a subgraph that uses the event bus: live whatever happens, ready only
// while its database and its Redis connections are up.
import { createTestDatabases, type TestDatabases } from './support/databases';
import { startRedisProxy, type RedisProxy } from './support/streams';
import { startTestSubgraph, type TestSubgraph } from './support/subgraphs';
import { productSubgraph } from '../subgraphs/product/server';
import type { Db } from '../subgraphs/product/db';
import { describeWithRedis } from './support/requirements';

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
