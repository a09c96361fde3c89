import { JWKS_PATH } from '../../shared/auth/signing-keys';
import { defineSubgraph, type SubgraphDeps } from '../../shared/server/run-subgraph';
import { AccessTokenIssuer } from './access-tokens';
import { readUserConfig, type UserConfig } from './config';
import { createContext } from './context';
import { createDb, type Db } from './db';
import { LoginThrottle } from './login-throttle';
import { resolvers } from './resolvers';

interface Instance {
  loginThrottle: LoginThrottle;
  accessTokens: AccessTokenIssuer;
}

// Requests and the workers that connect and close them share one throttle and one token issuer per
// running instance; both are handed the same configuration object, which keys them.
const instances = new WeakMap<UserConfig, Instance>();
function instanceFor({ config, logger }: SubgraphDeps<Db, UserConfig>): Instance {
  let instance = instances.get(config);
  if (!instance) {
    instance = {
      loginThrottle: new LoginThrottle(config.loginThrottle, config.events, logger),
      accessTokens: new AccessTokenIssuer(config.accessTokens, config.events, logger),
    };
    instances.set(config, instance);
  }
  return instance;
}

/** Everything needed to start this subgraph: used by index.ts and by the tests. */
export const userSubgraph = defineSubgraph({
  name: 'user',
  readConfig: readUserConfig,
  createDb,
  resolvers,
  contextFactory: (deps) => {
    const { db, config, logger, http } = deps;
    const { loginThrottle, accessTokens } = instanceFor(deps);
    // The public keys the gateway verifies access tokens with (and anyone may read).
    http.app.get(JWKS_PATH, (_req, res) => {
      res.type('application/jwk-set+json').set('Cache-Control', 'public, max-age=300').json(accessTokens.jwks);
    });
    const sessions = { accessTokens, refreshTokenTtlSeconds: config.refreshTokenTtlSeconds };
    return (viewer) => createContext(db, logger, sessions, loginThrottle, viewer);
  },
  workers: (deps) => [instanceFor(deps).loginThrottle, instanceFor(deps).accessTokens],
});
