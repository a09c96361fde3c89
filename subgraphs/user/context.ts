import type { Viewer } from '../../shared/auth/identity';
import type { Logger } from '../../shared/logger';
import type { Db } from './db';
import { createLoaders, type Loaders } from './loaders';
import type { LoginThrottle } from './login-throttle';
import type { SessionConfig } from './sessions';

export interface Context {
  db: Db;
  loaders: Loaders;
  logger: Logger;
  /**
   * How signUp, login and refresh sign access tokens, how logout, deleteUser and role changes end
   * them, and how long refresh tokens last.
   */
  sessions: SessionConfig;
  /** Password guesses per account, shared by every request (and every instance, through Redis). */
  loginThrottle: LoginThrottle;
  /** Who is asking: every authorization rule of this subgraph asks it. */
  viewer: Viewer;
}

/** The context of one request: its own loaders, and what every request of the process shares. */
export function createContext(deps: Omit<Context, 'loaders'>): Context {
  return { ...deps, loaders: createLoaders(deps.db) };
}
