// Access tokens: what clients send as `Authorization: Bearer <token>`. Short-lived JWTs signed
// by the user subgraph and verified by the gateway, with the algorithm pinned (no "none", no
// switching to another) and issuer, audience and expiry checked.
import jwt from 'jsonwebtoken';
import { hmacKey } from './secret-key';
import { isRole, unauthenticated, type Identity } from './identity';

const ALGORITHM = 'HS256';

export interface AccessTokenConfig {
  jwtSecret: string;
  issuer: string;
  audience: string;
  /** Lifetime of a new access token. */
  accessTokenTtlSeconds: number;
}

export interface VerifiedAccessToken extends Identity {
  /** When the token expires, in seconds since the epoch. */
  expiresAt: number;
}

/** A new access token, with the expiry it carries (seconds since the epoch) for clients to see. */
export function signAccessToken(identity: Identity, config: AccessTokenConfig): { token: string; expiresAt: number } {
  const expiresAt = Math.floor(Date.now() / 1000) + config.accessTokenTtlSeconds;
  const token = jwt.sign({ role: identity.role, exp: expiresAt }, hmacKey(config.jwtSecret), {
    algorithm: ALGORITHM,
    subject: identity.userId,
    issuer: config.issuer,
    audience: config.audience,
  });
  return { token, expiresAt };
}

/** The identity in a valid access token; UNAUTHENTICATED for anything else, saying which. */
export function verifyAccessToken(token: string, config: Omit<AccessTokenConfig, 'accessTokenTtlSeconds'>): VerifiedAccessToken {
  let claims: jwt.JwtPayload;
  try {
    claims = jwt.verify(token, hmacKey(config.jwtSecret), {
      algorithms: [ALGORITHM],
      issuer: config.issuer,
      audience: config.audience,
    }) as jwt.JwtPayload;
  } catch (error) {
    throw unauthenticated(
      error instanceof jwt.TokenExpiredError
        ? 'The access token has expired: get a new one with refresh.'
        : 'The access token is not valid.',
    );
  }
  if (!claims.sub || !isRole(claims.role) || typeof claims.exp !== 'number') {
    throw unauthenticated('The access token is not valid.');
  }
  return { userId: claims.sub, role: claims.role, expiresAt: claims.exp };
}

/** The token in an `Authorization: Bearer <token>` value; undefined when there is none. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) throw unauthenticated('The Authorization header must be "Bearer <access token>".');
  return match[1];
}
