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

/** The context of one request: its own loaders, and what every request of the process shares. */
export function createContext(deps: Omit<Context, 'loaders'>): Context {
  return { ...deps, loaders: createLoaders(deps.db) };
}
