// Starts a subgraph in the test's own process on a free port, against a test database. The
// server, database and HTTP path are the real ones; only the process boundary is skipped.
import { EnvReader, type SubgraphConfig } from '../../shared/config';
import { startSubgraph, type SubgraphDb, type SubgraphRuntime } from '../../shared/server/run-subgraph';
import { databaseUrlVar } from '../../shared/services';
import { TEST_EVENTS_PREFIX, TEST_REDIS_URL } from './events';

export interface TestSubgraph<Db> {
  url: string;
  db: Db;
  close(): Promise<void>;
}

export async function startTestSubgraph<Db extends SubgraphDb, Config extends SubgraphConfig>(
  runtime: SubgraphRuntime<Db, Config>,
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<TestSubgraph<Db>> {
  const running = await startSubgraph(
    runtime,
    new EnvReader({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      REDIS_URL: TEST_REDIS_URL,
      EVENTS_PREFIX: TEST_EVENTS_PREFIX,
      [databaseUrlVar(runtime.name)]: databaseUrl,
      ...env,
    }),
    { migrate: false },
  );
  return { url: `http://127.0.0.1:${running.port}/graphql`, db: running.db, close: running.close };
}
