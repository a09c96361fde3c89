import { defineSubgraph } from '../../shared/server/run-subgraph';
import { createCatalog } from './catalog';
import { readOrderConfig } from './config';
import { createContext } from './context';
import { createDb } from './db';
import { CONSUMED_STREAMS, createEventHandlers } from './event-handlers';
import { resolvers } from './resolvers';

/** Everything needed to start this subgraph: used by index.ts and by the tests. */
export const orderSubgraph = defineSubgraph({
  name: 'order',
  readConfig: readOrderConfig,
  createDb,
  resolvers,
  contextFactory: ({ db, config, logger, metrics }) => {
    // One client per process, shared by all requests.
    const catalog = createCatalog(config, logger, metrics.registry);
    return (viewer) => createContext(db, catalog, logger, viewer);
  },
  workers: ({ bus, config, db, logger }) => [
    // Publishes OrderCreated and OrderStatusChanged once their transactions commit.
    bus.relay(config.databaseUrl),
    // Stock reserved or rejected, payments captured or failed: what moves an order on.
    bus.consumer(CONSUMED_STREAMS, createEventHandlers(db, logger)),
  ],
});
