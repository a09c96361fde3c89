import type { Viewer } from '../../shared/auth/identity';
import type { EntityGenerations } from '../../shared/cache/entity-generations';
import type { Logger } from '../../shared/logger';
import type { Db } from './db';
import { createLoaders, type Loaders } from './loaders';

export interface Context {
  db: Db;
  loaders: Loaders;
  logger: Logger;
  /** Bumped after every product change (see generations.ts). */
  generations: EntityGenerations;
  /** Who is asking: every authorization rule of this subgraph asks it. */
  viewer: Viewer;
}

export function createContext(db: Db, logger: Logger, generations: EntityGenerations, viewer: Viewer): Context {
  return { db, loaders: createLoaders(db), logger, generations, viewer };
}
