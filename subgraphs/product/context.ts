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

/** The context of one request: its own loaders, and what every request of the process shares. */
export function createContext(deps: Omit<Context, 'loaders'>): Context {
  return { ...deps, loaders: createLoaders(deps.db) };
}
