import { readSubgraphConfig, type SubgraphConfig } from '../../shared/config';
import { checkDatabase, type SubgraphDeps, type SubgraphRuntime } from '../../shared/server/run-subgraph';
import { createSubgraphServer } from '../../shared/server/subgraph';
import { createContext } from './context';
import { createDb, type Db } from './db';
import { resolvers } from './resolvers';

export function createProductServer({ db, config, logger, metrics }: SubgraphDeps<Db, SubgraphConfig>) {
  return createSubgraphServer({
    name: 'product',
    resolvers,
    createContext: () => createContext(db, logger),
    config,
    logger,
    metrics,
    checkReady: () => checkDatabase(db),
  });
}

/** Everything needed to start this subgraph: used by index.ts and by the tests. */
export const productSubgraph: SubgraphRuntime<Db, SubgraphConfig> = {
  name: 'product',
  readConfig: (env) => readSubgraphConfig(env, 'product'),
  createDb,
  createServer: createProductServer,
};
