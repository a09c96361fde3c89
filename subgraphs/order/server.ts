import { defineSubgraph } from '../../shared/server/run-subgraph';
import { createCatalog } from './catalog';
import { readOrderConfig } from './config';
import { createContext } from './context';
import { createDb } from './db';
import { eventHandlers } from './events';
import { resolvers } from './resolvers';
import { StatusChangeFeed } from './status-feed';

/** Everything needed to start this subgraph: used by index.ts and by the tests. */
export const orderSubgraph = defineSubgraph({
  name: 'order',
  readConfig: readOrderConfig,
  createDb,
  resolvers,
  setup: ({ db, config, logger, metrics, bus }) => {
    // One client per process, shared by all requests.
    const catalog = createCatalog(config, logger, metrics.registry);
    // One tail of the order stream per process, fanned out to the subscriptions open on it.
    const statusChanges = new StatusChangeFeed(bus, metrics.registry);
    return {
      context: (viewer) => createContext({ db, catalog, logger, statusChanges, viewer }),
      workers: [statusChanges],
      // Publishes OrderCreated and OrderStatusChanged once their transactions commit.
      relay: true,
      // Stock reserved or rejected, payments captured or failed: what moves an order on.
      eventHandlers: eventHandlers({ db, logger }),
    };
  },
});
