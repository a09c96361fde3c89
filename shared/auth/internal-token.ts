// Identity between services: a short-lived JWT signed with INTERNAL_SECRET, in one header. The
// gateway makes one per client request from the verified access token; a subgraph calling
// another passes its caller's on. Only holders of the internal secret (the services) can make
// one, so a client calling a subgraph directly with a made-up header is anonymous at best.
import jwt from 'jsonwebtoken';
import { hmacKey } from './secret-key';
import { isRole, unauthenticated, Viewer, type Identity } from './identity';

export const IDENTITY_HEADER = 'x-internal-identity';

const ALGORITHM = 'HS256';
const AUDIENCE = 'shop-subgraphs';
/** Long enough for one operation's subgraph calls, short enough that a leaked one soon expires. */
const TTL_SECONDS = 60;

export interface InternalTokenConfig {
  /** Shared by every service, never by clients. */
  internalSecret: string;
}

/** Signs `identity` for calls to other services; `issuer` names the signing service. */
export function signInternalToken(identity: Identity, issuer: string, { internalSecret }: InternalTokenConfig): string {
  return jwt.sign({ role: identity.role }, hmacKey(internalSecret), {
    algorithm: ALGORITHM,
    subject: identity.userId,
    audience: AUDIENCE,
    issuer,
    expiresIn: TTL_SECONDS,
  });
}

/** Headers that carry `viewer` to another service; none for anonymous callers. */
export function identityHeaders(viewer: Viewer, issuer: string, config: InternalTokenConfig): Record<string, string> {
  return viewer.identity ? { [IDENTITY_HEADER]: signInternalToken(viewer.identity, issuer, config) } : {};
}

/**
 * The viewer a request's identity header names: anonymous without one; UNAUTHENTICATED when it
 * is there but not a valid internal token (forged, expired, signed with another secret).
 */
export function viewerFromHeader(header: string | string[] | undefined, { internalSecret }: InternalTokenConfig): Viewer {
  if (header === undefined || header === '') return Viewer.anonymous;
  if (Array.isArray(header)) throw unauthenticated('More than one identity header.');
  try {
    const claims = jwt.verify(header, hmacKey(internalSecret), { algorithms: [ALGORITHM], audience: AUDIENCE }) as jwt.JwtPayload;
    if (!claims.sub || !isRole(claims.role)) throw new Error('identity claims missing');
    return new Viewer({ userId: claims.sub, role: claims.role });
  } catch {
    throw unauthenticated('The identity header is not valid.');
  }
}
