import type { Viewer } from '../../shared/auth/identity';
import type { Logger } from '../../shared/logger';
import type { Catalog } from './catalog';
import type { Db } from './db';
import { createLoaders, type Loaders } from './loaders';

export interface Context {
  db: Db;
  loaders: Loaders;
  catalog: Catalog;
  logger: Logger;
  /** Who is asking: every authorization rule of this subgraph asks it. */
  viewer: Viewer;
}

export function createContext(db: Db, catalog: Catalog, logger: Logger, viewer: Viewer): Context {
  return { db, loaders: createLoaders(db), catalog, logger, viewer };
}
