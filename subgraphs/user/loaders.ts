import { idLoader } from '../../shared/loaders';
import type { Db } from './db';

/** Created per request: a loader caches only what one request has seen. */
export function createLoaders(db: Db) {
  return {
    user: idLoader((ids) => db.user.findMany({ where: { id: { in: ids } } })),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
