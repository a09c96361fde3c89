// Access tokens: what clients send as `Authorization: Bearer <token>`. Short-lived JWTs signed by
// the user subgraph with its private key (signing-keys.ts) and verified by the gateway with the
// published public keys only, the algorithm pinned to the asymmetric ones (no "none", no HMAC
// keyed with a public key), issuer, audience, type and expiry checked. Each names its session
// (`sid`) and carries its account's token version (`ver`): the gateway refuses a token whose
// session has ended (logout) or whose account has moved on since (deletion, a change of role);
// see revocation-store.ts.
import { sign } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ErrorCode } from '../errors';
import { isRole, unauthenticated, type Identity } from './identity';
import { ACCESS_TOKEN_ALGORITHMS, type SigningKey } from './signing-keys';

export interface AccessTokenSettings {
  issuer: string;
  audience: string;
}

export interface VerificationOptions extends AccessTokenSettings {
  /** The clock expiry is checked against (tests move it); the system clock by default. */
  now?: () => number;
}

/** What a token says beside who it is for: what revocations are checked against. */
export interface TokenSession {
  /** The session (refresh-token family) the token was issued to. */
  sessionId: string;
  /** The account's token version when it was signed. */
  version: number;
}

export interface VerifiedAccessToken extends Identity, TokenSession {
  /** When the token expires, in seconds since the epoch. */
  expiresAt: number;
}

/**
 * A new access token for `identity` in `session`, with the expiry it carries (seconds since the
 * epoch) for clients to see.
 *
 * A compact JWS made with node:crypto rather than jose's SignJWT: the same token, but signed
 * synchronously (jose signs through WebCrypto, asynchronously only), so that tests and benchmarks
 * can sign one as a request's headers are read. jose verifies every token, theirs included.
 */
export function signAccessToken(
  identity: Identity,
  { sessionId, version }: TokenSession,
  key: SigningKey,
  { issuer, audience, ttlSeconds }: AccessTokenSettings & { ttlSeconds: number },
): { token: string; expiresAt: number } {
  const issuedAt = Math.floor(Date.now() / 1000);
  const expiresAt = issuedAt + ttlSeconds;
  const header = { alg: key.alg, kid: key.kid, typ: 'JWT' };
  const claims = {
    sub: identity.userId,
    role: identity.role,
    sid: sessionId,
    ver: version,
    iss: issuer,
    aud: audience,
    iat: issuedAt,
    exp: expiresAt,
  };
  const input = `${base64url(header)}.${base64url(claims)}`;
  const signature =
    key.alg === 'EdDSA'
      ? sign(null, Buffer.from(input), key.privateKey)
      : // JWS wants ECDSA's r and s side by side (RFC 7518, 3.4), not DER.
        sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return { token: `${input}.${signature.toString('base64url')}`, expiresAt };
}

/**
 * Thrown by a key resolver that has no keys to verify with (the JWKS could not be fetched): the
 * token may well be valid, so this is SERVICE_UNAVAILABLE, never UNAUTHENTICATED.
 */
export class VerificationKeysUnavailable extends Error {
  override name = 'VerificationKeysUnavailable';
}

/**
 * The identity in a valid access token, with the public key `keys` finds for its header;
 * UNAUTHENTICATED for anything else, saying which in words a client can show.
 */
export async function verifyAccessToken(
  token: string,
  keys: JWTVerifyGetKey,
  { issuer, audience, now = Date.now }: VerificationOptions,
): Promise<VerifiedAccessToken> {
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(token, keys, {
      algorithms: [...ACCESS_TOKEN_ALGORITHMS],
      issuer,
      audience,
      typ: 'JWT',
      requiredClaims: ['sub', 'exp'],
      currentDate: new Date(now()),
    }));
  } catch (error) {
    if (error instanceof VerificationKeysUnavailable) {
      throw new GraphQLError('Access tokens cannot be checked right now; try again in a few seconds.', {
        extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, http: { status: 503 } },
      });
    }
    throw unauthenticated(
      error instanceof errors.JWTExpired
        ? 'The access token has expired: get a new one with refresh.'
        : 'The access token is not valid.',
    );
  }
  const { sub, role, sid, ver, exp } = claims;
  const valid =
    sub &&
    isRole(role) &&
    typeof sid === 'string' &&
    sid &&
    Number.isSafeInteger(ver) &&
    (ver as number) >= 0 &&
    typeof exp === 'number';
  if (!valid) throw unauthenticated('The access token is not valid.');
  return { userId: sub, role, sessionId: sid, version: ver as number, expiresAt: exp };
}

/** The token in an `Authorization: Bearer <token>` value; undefined when there is none. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) throw unauthenticated('The Authorization header must be "Bearer <access token>".');
  return match[1];
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
