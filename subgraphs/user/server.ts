import { defineSubgraph, type SubgraphDeps } from '../../shared/server/run-subgraph';
import { readUserConfig, type UserConfig } from './config';
import { createContext } from './context';
import { createDb, type Db } from './db';
import { LoginThrottle } from './login-throttle';
import { resolvers } from './resolvers';

// Requests and the worker that connects and closes it share one throttle per running instance;
// both are handed the same configuration object, which keys it.
const loginThrottles = new WeakMap<UserConfig, LoginThrottle>();
function loginThrottleFor({ config, logger }: SubgraphDeps<Db, UserConfig>): LoginThrottle {
  let throttle = loginThrottles.get(config);
  if (!throttle) {
    throttle = new LoginThrottle(config.loginThrottle, config.events, logger);
    loginThrottles.set(config, throttle);
  }
  return throttle;
}

/** Everything needed to start this subgraph: used by index.ts and by the tests. */
export const userSubgraph = defineSubgraph({
  name: 'user',
  readConfig: readUserConfig,
  createDb,
  resolvers,
  contextFactory: (deps) => {
    const { db, config, logger } = deps;
    const sessions = { accessTokens: config.accessTokens, refreshTokenTtlSeconds: config.refreshTokenTtlSeconds };
    const loginThrottle = loginThrottleFor(deps);
    return (viewer) => createContext(db, logger, sessions, loginThrottle, viewer);
  },
  workers: (deps) => [loginThrottleFor(deps)],
});
