// Authentication at the edge: the gateway verifies a client's access token once per request (or
// once per WebSocket) and from then on carries the caller to subgraphs only as a token signed
// with the internal secret. Identity headers a client sends are never forwarded.
import type express from 'express';
import { bearerToken, verifyAccessToken, type AccessTokenConfig } from '../shared/auth/access-token';
import { Viewer } from '../shared/auth/identity';
import { signInternalToken, type InternalTokenConfig } from '../shared/auth/internal-token';
import { ErrorCode } from '../shared/errors';
import { GraphQLError } from 'graphql';

export interface AuthConfig {
  accessTokens: Omit<AccessTokenConfig, 'accessTokenTtlSeconds'>;
  internal: InternalTokenConfig;
}

/** What every operation through the gateway runs with. */
export interface GatewayContext {
  viewer: Viewer;
  /** The caller signed for subgraphs; undefined for anonymous callers. */
  identityToken(): string | undefined;
}

export function gatewayContext(viewer: Viewer, config: AuthConfig): GatewayContext {
  let token: string | undefined;
  return {
    viewer,
    // Signed at the operation's first subgraph fetch and reused by the others: an operation refused
    // at the gateway, or answered without a subgraph, signs nothing.
    identityToken: () =>
      viewer.identity ? (token ??= signInternalToken(viewer.identity, 'gateway', config.internal)) : undefined,
  };
}

export interface Authenticated {
  viewer: Viewer;
  /** When the access token expires, in seconds since the epoch. */
  expiresAt: number;
}

/**
 * The caller an Authorization value names: anonymous without one; UNAUTHENTICATED (a GraphQLError)
 * for a malformed, forged or expired token, so a client with a bad token learns it at once
 * instead of silently seeing the anonymous view.
 */
export function authenticate(authorization: string | undefined, config: AuthConfig): Authenticated | null {
  const token = bearerToken(authorization);
  if (!token) return null;
  const { expiresAt, ...identity } = verifyAccessToken(token, config.accessTokens);
  return { viewer: new Viewer(identity), expiresAt };
}

/** Viewer of a request, for the middleware after this one and for the GraphQL context. */
export function requestViewer(res: express.Response): Viewer {
  return (res.locals.viewer as Viewer | undefined) ?? Viewer.anonymous;
}

/** Express middleware: sets the request's viewer, or answers 401 in GraphQL's error shape. */
export function authenticationMiddleware(config: AuthConfig): express.RequestHandler {
  return (req, res, next) => {
    try {
      res.locals.viewer = authenticate(req.headers.authorization, config)?.viewer ?? Viewer.anonymous;
      next();
    } catch (error) {
      const message = error instanceof GraphQLError ? error.message : 'The access token is not valid.';
      res
        .status(401)
        .set('WWW-Authenticate', 'Bearer error="invalid_token"')
        .json({ errors: [{ message, extensions: { code: ErrorCode.UNAUTHENTICATED } }] });
    }
  };
}
