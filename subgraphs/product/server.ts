import { defineSubgraph } from '../../shared/server/run-subgraph';
import { readProductConfig } from './config';
import { createContext } from './context';
import { createDb } from './db';
import { bumpBeforeProductEvents, deferringGenerations } from './generations';
import { orderEventHandlers } from './order-events';
import { resolvers } from './resolvers';

/** Everything needed to start this subgraph: used by index.ts and by the tests. */
export const productSubgraph = defineSubgraph({
  name: 'product',
  readConfig: readProductConfig,
  createDb,
  resolvers,
  contextFactory: ({ db, logger, bus }) => {
    // A change is committed before its bump: a bump Redis cannot take goes to the outbox.
    const generations = deferringGenerations(bus.entityGenerations('writer'), db, logger);
    return (viewer) => createContext(db, logger, generations, viewer);
  },
  workers: ({ bus, config, db, logger }) => {
    const writer = bus.entityGenerations('writer');
    return [
      // Publishes the stock events this service's transactions write to its outbox, and makes the
      // bumps deferred there, each before anything after it is published.
      bus.relay(config.databaseUrl, { beforePublish: bumpBeforeProductEvents(writer) }),
      bus.consumer(['order'], orderEventHandlers(db, deferringGenerations(writer, db, logger), logger)),
    ];
  },
});
