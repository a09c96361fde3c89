import { defineSubgraph } from '../../shared/server/run-subgraph';
import { readUserConfig } from './config';
import { createContext } from './context';
import { createDb } from './db';
import { resolvers } from './resolvers';

/** Everything needed to start this subgraph: used by index.ts and by the tests. */
export const userSubgraph = defineSubgraph({
  name: 'user',
  readConfig: readUserConfig,
  createDb,
  resolvers,
  contextFactory: ({ db, config, logger }) => {
    const sessions = { accessTokens: config.accessTokens, refreshTokenTtlSeconds: config.refreshTokenTtlSeconds };
    return (viewer) => createContext(db, logger, sessions, viewer);
  },
});
