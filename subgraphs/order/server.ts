import { defineSubgraph } from '../../shared/server/run-subgraph';
import { createCatalog } from './catalog';
import { readOrderConfig } from './config';
import { createContext } from './context';
import { createDb } from './db';
import { resolvers } from './resolvers';

/** Everything needed to start this subgraph: used by index.ts and by the tests. */
export const orderSubgraph = defineSubgraph({
  name: 'order',
  readConfig: readOrderConfig,
  createDb,
  resolvers,
  contextFactory: ({ db, config, logger }) => {
    // One client per process, shared by all requests.
    const catalog = createCatalog(config, logger);
    return () => createContext(db, catalog, logger);
  },
});
