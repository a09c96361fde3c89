// Authentication at the edge: the gateway verifies a client's access token once per request (or
// once per WebSocket, re-checked while it stays open) and from then on carries the caller to
// subgraphs only as a token signed with the internal secret. Identity headers a client sends are
// never forwarded.
import type express from 'express';
import { GraphQLError } from 'graphql';
import { bearerToken, type VerifiedAccessToken } from '../shared/auth/access-token';
import type { AccessTokenVerificationConfig } from '../shared/auth/config';
import { Viewer } from '../shared/auth/identity';
import { signInternalToken, type InternalTokenConfig } from '../shared/auth/internal-token';
import { ErrorCode } from '../shared/errors';
import type { AccessTokenVerifier } from './access-tokens';

export interface AuthConfig {
  accessTokens: AccessTokenVerificationConfig;
  internal: InternalTokenConfig;
}

/** What every operation through the gateway runs with. */
export interface GatewayContext {
  viewer: Viewer;
  /** The caller signed for subgraphs; undefined for anonymous callers. */
  identityToken(): string | undefined;
}

export function gatewayContext(viewer: Viewer, config: Pick<AuthConfig, 'internal'>): GatewayContext {
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
  /** The verified token: its expiry (seconds since the epoch) and account version. */
  token: VerifiedAccessToken;
}

/**
 * The caller an Authorization value names: anonymous without one; a GraphQLError for a malformed,
 * forged, expired or revoked token (UNAUTHENTICATED), so a client with a bad token learns it at
 * once instead of silently seeing the anonymous view, or while no keys can be fetched
 * (SERVICE_UNAVAILABLE).
 */
export async function authenticate(
  authorization: string | undefined,
  verifier: AccessTokenVerifier,
): Promise<Authenticated | null> {
  const token = bearerToken(authorization);
  if (!token) return null;
  const verified = await verifier.verify(token);
  return { viewer: new Viewer({ userId: verified.userId, role: verified.role }), token: verified };
}

/** Viewer of a request, for the middleware after this one and for the GraphQL context. */
export function requestViewer(res: express.Response): Viewer {
  return (res.locals.viewer as Viewer | undefined) ?? Viewer.anonymous;
}

/** The request's verified access token, for a subscription stream that must end when it does. */
export function requestAccessToken(res: express.Response): VerifiedAccessToken | undefined {
  return res.locals.accessToken as VerifiedAccessToken | undefined;
}

/** Express middleware: sets the request's viewer, or answers 401 (503) in GraphQL's error shape. */
export function authenticationMiddleware(verifier: AccessTokenVerifier): express.RequestHandler {
  return async (req, res, next) => {
    let authenticated: Authenticated | null;
    try {
      authenticated = await authenticate(req.headers.authorization, verifier);
    } catch (error) {
      const known = error instanceof GraphQLError ? error : undefined;
      const code = (known?.extensions.code as ErrorCode | undefined) ?? ErrorCode.UNAUTHENTICATED;
      if (code === ErrorCode.UNAUTHENTICATED) res.status(401).set('WWW-Authenticate', 'Bearer error="invalid_token"');
      else res.status(503).set('Retry-After', '5');
      res.json({ errors: [{ message: known?.message ?? 'The access token is not valid.', extensions: { code } }] });
      return;
    }
    res.locals.viewer = authenticated?.viewer ?? Viewer.anonymous;
    res.locals.accessToken = authenticated?.token;
    next();
  };
}
