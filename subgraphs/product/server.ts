import { readSubgraphConfig } from '../../shared/config';
import { defineSubgraph } from '../../shared/server/run-subgraph';
import { createContext } from './context';
import { createDb } from './db';
import { bumpBeforeStockEvents } from './generations';
import { orderEventHandlers } from './order-events';
import { resolvers } from './resolvers';

/** Everything needed to start this subgraph: used by index.ts and by the tests. */
export const productSubgraph = defineSubgraph({
  name: 'product',
  readConfig: (env) => readSubgraphConfig(env, 'product'),
  createDb,
  resolvers,
  contextFactory: ({ db, logger, bus }) => {
    const generations = bus.entityGenerations('writer');
    return (viewer) => createContext(db, logger, generations, viewer);
  },
  workers: ({ bus, config, db, logger }) => {
    const generations = bus.entityGenerations('writer');
    return [
      // Publishes the stock events this service's transactions write to its outbox.
      bus.relay(config.databaseUrl, { beforePublish: bumpBeforeStockEvents(generations) }),
      bus.consumer(['order'], orderEventHandlers(db, generations, logger)),
    ];
  },
});
