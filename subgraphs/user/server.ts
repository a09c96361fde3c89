import { readSubgraphConfig } from '../../shared/config';
import { defineSubgraph } from '../../shared/server/run-subgraph';
import { createContext } from './context';
import { createDb } from './db';
import { resolvers } from './resolvers';

/** Everything needed to start this subgraph: used by index.ts and by the tests. */
export const userSubgraph = defineSubgraph({
  name: 'user',
  readConfig: (env) => readSubgraphConfig(env, 'user'),
  createDb,
  resolvers,
  contextFactory:
    ({ db, logger }) =>
    (viewer) =>
      createContext(db, logger, viewer),
});
