import { defineSubgraph, type SubgraphDeps } from '../../shared/server/run-subgraph';
import { orderEventHandlers } from './cancellation';
import { readPaymentConfig, type PaymentConfig } from './config';
import { createContext } from './context';
import { createDb, type Db } from './db';
import { createOrderLookup } from './orders';
import { createPaymentProcessor, type PaymentProcessor } from './processor';
import { resolvers } from './resolvers';

export interface PaymentSubgraphOptions {
  /** Used instead of the processor PAYMENT_PROCESSOR names: tests pass a fake they can inspect. */
  processor?: PaymentProcessor;
}

/** Everything needed to start this subgraph: used by index.ts and by the tests. */
export function createPaymentSubgraph(options: PaymentSubgraphOptions = {}) {
  // Requests and the cancellation consumer of one running instance share one processor client;
  // both are handed the same configuration object, which keys it.
  const processors = new WeakMap<PaymentConfig, PaymentProcessor>();
  const processorFor = ({ config, logger }: SubgraphDeps<Db, PaymentConfig>): PaymentProcessor => {
    let processor = processors.get(config);
    if (!processor) {
      if (!options.processor && config.production && config.paymentProcessor === 'fake') {
        logger.warn('PAYMENT_PROCESSOR is "fake": payments are not really charged');
      }
      processor = options.processor ?? createPaymentProcessor(config.paymentProcessor);
      processors.set(config, processor);
    }
    return processor;
  };

  return defineSubgraph({
    name: 'payment',
    readConfig: readPaymentConfig,
    createDb,
    resolvers,
    contextFactory: (deps) => {
      // One client per process, shared by all requests.
      const orders = createOrderLookup(deps.config, deps.logger, deps.metrics.registry);
      const processor = processorFor(deps);
      return (viewer) => createContext(deps.db, deps.logger, orders, processor, viewer);
    },
    workers: (deps) => [
      deps.bus.relay(deps.config.databaseUrl),
      deps.bus.consumer(['order'], orderEventHandlers({ db: deps.db, processor: processorFor(deps), logger: deps.logger })),
    ],
  });
}

export const paymentSubgraph = createPaymentSubgraph();
