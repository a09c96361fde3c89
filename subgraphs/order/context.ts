import type { Logger } from '../../shared/logger';
import type { Catalog } from './catalog';
import type { Db } from './db';
import { createLoaders, type Loaders } from './loaders';

export interface Context {
  db: Db;
  loaders: Loaders;
  catalog: Catalog;
  logger: Logger;
}

export function createContext(db: Db, catalog: Catalog, logger: Logger): Context {
  return { db, loaders: createLoaders(db), catalog, logger };
}
