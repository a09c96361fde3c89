import { defineSubgraph } from '../../shared/server/run-subgraph';
import { readProductConfig } from './config';
import { createContext } from './context';
import { createDb } from './db';
import { eventHandlers } from './events';
import { bumpBeforeProductEvents, deferringGenerations } from './generations';
import { resolvers } from './resolvers';

/** Everything needed to start this subgraph: used by index.ts and by the tests. */
export const productSubgraph = defineSubgraph({
  name: 'product',
  readConfig: readProductConfig,
  createDb,
  resolvers,
  setup: ({ db, logger, bus }) => {
    const writer = bus.entityGenerations('writer');
    // A change is committed before its bump: a bump Redis cannot take goes to the outbox.
    const generations = deferringGenerations(writer, db, logger);
    return {
      context: (viewer) => createContext({ db, logger, generations, viewer }),
      // Publishes the stock events this service's transactions write to its outbox, and makes the
      // bumps deferred there, each before anything after it is published.
      relay: { beforePublish: bumpBeforeProductEvents(writer) },
      // A placed order reserves its stock, a cancelled one gives it back.
      eventHandlers: eventHandlers({ db, generations, logger }),
    };
  },
});
