import { JWKS_PATH } from '../../shared/auth/signing-keys';
import { defineSubgraph } from '../../shared/server/run-subgraph';
import { AccessTokenIssuer } from './access-tokens';
import { readUserConfig } from './config';
import { createContext } from './context';
import { createDb } from './db';
import { LoginThrottle } from './login-throttle';
import { resolvers } from './resolvers';

/** Everything needed to start this subgraph: used by index.ts and by the tests. */
export const userSubgraph = defineSubgraph({
  name: 'user',
  readConfig: readUserConfig,
  createDb,
  resolvers,
  setup: ({ db, config, logger, http }) => {
    // One throttle and one token issuer per process, shared by every request.
    const loginThrottle = new LoginThrottle(config.loginThrottle, config.events, logger);
    const accessTokens = new AccessTokenIssuer(config.accessTokens, config.events, logger);
    // The public keys the gateway verifies access tokens with (and anyone may read).
    http.app.get(JWKS_PATH, (_req, res) => {
      res.type('application/jwk-set+json').set('Cache-Control', 'public, max-age=300').json(accessTokens.jwks);
    });
    const sessions = { accessTokens, refreshTokenTtlSeconds: config.refreshTokenTtlSeconds };
    return {
      context: (viewer) => createContext({ db, logger, sessions, loginThrottle, viewer }),
      // Their Redis connections, and the retries of revocations Redis has not taken yet.
      workers: [loginThrottle, accessTokens],
    };
  },
});
