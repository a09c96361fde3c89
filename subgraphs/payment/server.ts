import { defineSubgraph } from '../../shared/server/run-subgraph';
import { readPaymentConfig } from './config';
import { createContext } from './context';
import { createDb } from './db';
import { eventHandlers } from './events';
import { createOrderLookup } from './orders';
import { createPaymentProcessor, type PaymentProcessor } from './processor';
import { resolvers } from './resolvers';

export interface PaymentSubgraphOptions {
  /** Used instead of the processor PAYMENT_PROCESSOR names: tests pass a fake they can inspect. */
  processor?: PaymentProcessor;
}

/** Everything needed to start this subgraph: used by index.ts and by the tests. */
export function createPaymentSubgraph(options: PaymentSubgraphOptions = {}) {
  return defineSubgraph({
    name: 'payment',
    readConfig: readPaymentConfig,
    createDb,
    resolvers,
    setup: ({ db, config, logger, metrics }) => {
      // One client per process, shared by all requests.
      const orders = createOrderLookup(config, logger, metrics.registry);
      if (!options.processor && config.production && config.paymentProcessor === 'fake') {
        logger.warn('PAYMENT_PROCESSOR is "fake": payments are not really charged');
      }
      // One processor client per process: requests charge through it, cancellations refund through it.
      const processor = options.processor ?? createPaymentProcessor(config.paymentProcessor);
      return {
        context: (viewer) => createContext({ db, logger, orders, processor, viewer }),
        relay: true,
        eventHandlers: eventHandlers({ db, processor, logger }),
      };
    },
  });
}

export const paymentSubgraph = createPaymentSubgraph();
