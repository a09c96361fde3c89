import { defineSubgraph } from '../../shared/server/run-subgraph';
import { readPaymentConfig } from './config';
import { createContext } from './context';
import { createDb } from './db';
import { createOrderLookup } from './orders';
import { resolvers } from './resolvers';

/** Everything needed to start this subgraph: used by index.ts and by the tests. */
export const paymentSubgraph = defineSubgraph({
  name: 'payment',
  readConfig: readPaymentConfig,
  createDb,
  resolvers,
  contextFactory: ({ db, config, logger }) => {
    // One client per process, shared by all requests.
    const orders = createOrderLookup(config.orderSubgraphUrl, logger);
    return () => createContext(db, logger, orders);
  },
});
