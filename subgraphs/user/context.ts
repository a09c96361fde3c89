import type { Viewer } from '../../shared/auth/identity';
import type { Logger } from '../../shared/logger';
import type { Db } from './db';
import { createLoaders, type Loaders } from './loaders';

export interface Context {
  db: Db;
  loaders: Loaders;
  logger: Logger;
  /** Who is asking: every authorization rule of this subgraph asks it. */
  viewer: Viewer;
}

export function createContext(db: Db, logger: Logger, viewer: Viewer): Context {
  return { db, loaders: createLoaders(db), logger, viewer };
}
