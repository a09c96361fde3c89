// Starts a subgraph in the test's own process on a free port, against a test database. The
// server, database and HTTP path are the real ones; only the process boundary is skipped.
import { EnvReader, type SubgraphConfig } from '../../shared/config';
import type { BaseContext } from '@apollo/server';
import { startSubgraph, type Subgraph, type SubgraphDb } from '../../shared/server/run-subgraph';
import { databaseUrlVar } from '../../shared/services';
import type { Identity } from '../../shared/auth/identity';
import { ADMIN, as } from './auth';
import { TEST_BUS_ENV, TEST_EVENTS_PREFIX } from './events';
import type { Endpoint } from './graphql';

export interface TestSubgraph<Db> {
  /** The /graphql URL, called anonymously. */
  url: string;
  /** The same URL as an administrator, signed in through the gateway. */
  admin: Endpoint;
  /** The same URL as `identity`, signed in through the gateway. */
  as(identity: Identity): Endpoint;
  db: Db;
  close(): Promise<void>;
}

export async function startTestSubgraph<Db extends SubgraphDb, Config extends SubgraphConfig, TContext extends BaseContext>(
  subgraph: Subgraph<Db, Config, TContext>,
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<TestSubgraph<Db>> {
  const running = await startSubgraph(
    subgraph,
    new EnvReader({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...TEST_BUS_ENV,
      EVENTS_PREFIX: TEST_EVENTS_PREFIX,
      [databaseUrlVar(subgraph.name)]: databaseUrl,
      ...env,
    }),
    { migrate: false },
  );
  const url = `http://127.0.0.1:${running.port}/graphql`;
  return {
    url,
    admin: as(ADMIN, url, 'subgraph'),
    as: (identity) => as(identity, url, 'subgraph'),
    db: running.db,
    close: running.close,
  };
}
