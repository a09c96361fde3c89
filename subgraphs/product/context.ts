import type { Logger } from '../../shared/logger';
import type { Db } from './db';
import { createLoaders, type Loaders } from './loaders';

export interface Context {
  db: Db;
  loaders: Loaders;
  logger: Logger;
}

export function createContext(db: Db, logger: Logger): Context {
  return { db, loaders: createLoaders(db), logger };
}
