import type { Viewer } from '../../shared/auth/identity';
import type { Logger } from '../../shared/logger';
import type { Db } from './db';
import { createLoaders, type Loaders } from './loaders';
import type { OrderLookup } from './orders';
import type { PaymentProcessor } from './processor';

export interface Context {
  db: Db;
  loaders: Loaders;
  logger: Logger;
  orders: OrderLookup;
  processor: PaymentProcessor;
  /** Who is asking: every authorization rule of this subgraph asks it. */
  viewer: Viewer;
}

export function createContext(db: Db, logger: Logger, orders: OrderLookup, processor: PaymentProcessor, viewer: Viewer): Context {
  return { db, loaders: createLoaders(db), logger, orders, processor, viewer };
}
