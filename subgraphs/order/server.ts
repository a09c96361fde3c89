import { checkDatabase, type SubgraphDeps, type SubgraphRuntime } from '../../shared/server/run-subgraph';
import { createSubgraphServer } from '../../shared/server/subgraph';
import { createCatalog } from './catalog';
import { readOrderConfig, type OrderConfig } from './config';
import { createContext } from './context';
import { createDb, type Db } from './db';
import { resolvers } from './resolvers';

export function createOrderServer({ db, config, logger, metrics }: SubgraphDeps<Db, OrderConfig>) {
  const catalog = createCatalog(config, logger);
  return createSubgraphServer({
    name: 'order',
    resolvers,
    createContext: () => createContext(db, catalog, logger),
    config,
    logger,
    metrics,
    checkReady: () => checkDatabase(db),
  });
}

/** Everything needed to start this subgraph: used by index.ts and by the tests. */
export const orderSubgraph: SubgraphRuntime<Db, OrderConfig> = {
  name: 'order',
  readConfig: readOrderConfig,
  createDb,
  createServer: createOrderServer,
};
