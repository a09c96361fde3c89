import { checkDatabase, type SubgraphDeps, type SubgraphRuntime } from '../../shared/server/run-subgraph';
import { createSubgraphServer } from '../../shared/server/subgraph';
import { readPaymentConfig, type PaymentConfig } from './config';
import { createContext } from './context';
import { createDb, type Db } from './db';
import { createOrderLookup } from './orders';
import { resolvers } from './resolvers';

export function createPaymentServer({ db, config, logger, metrics }: SubgraphDeps<Db, PaymentConfig>) {
  const orders = createOrderLookup(config.orderSubgraphUrl, logger);
  return createSubgraphServer({
    name: 'payment',
    resolvers,
    createContext: () => createContext(db, logger, orders),
    config,
    logger,
    metrics,
    // Only the database: a payment subgraph that cannot reach the order subgraph still serves reads.
    checkReady: () => checkDatabase(db),
  });
}

/** Everything needed to start this subgraph: used by index.ts and by the tests. */
export const paymentSubgraph: SubgraphRuntime<Db, PaymentConfig> = {
  name: 'payment',
  readConfig: readPaymentConfig,
  createDb,
  createServer: createPaymentServer,
};
