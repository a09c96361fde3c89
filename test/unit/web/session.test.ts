// The storefront's session timing (web/src/lib/session.ts): an access token is refreshed a minute
// before it expires (a fifth of its lifetime before, when shorter), counted from when this browser
// received it with the lifetime the token states, so a browser clock that is off does not matter.
import {
  createSession,
  msUntilRefresh,
  parseSession,
  refreshDueAt,
  safeNextPath,
  shouldRefreshBeforeUse,
  tokenLifetimeMs,
  type AuthPayload,
} from '../../../web/src/lib/session';

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A JWT-shaped token (the signature is not the client's business). */
const token = (claims: object) => `${base64url({ alg: 'EdDSA', typ: 'JWT' })}.${base64url(claims)}.c2lnbmF0dXJl`;

const buildPayload = (overrides: Partial<AuthPayload> = {}): AuthPayload => ({
  accessToken: token({ sub: 'u1', iat: 1_700_000_000, exp: 1_700_000_900 }),
  accessTokenExpiresAt: new Date(1_700_000_900_000).toISOString(),
  refreshToken: 'refresh-1',
  user: { id: 'u1', name: 'Casey', email: 'casey@shop.example', role: 'CUSTOMER' },
  ...overrides,
});

const MINUTE = 60_000;

describe('token lifetime', () => {
  it("should read exp - iat from the token's claims", () => {
    expect(tokenLifetimeMs(buildPayload().accessToken)).toBe(15 * MINUTE);
  });

  it('should say nothing for a token without them, or not a JWT', () => {
    for (const text of ['opaque', token({ sub: 'u1' }), token({ iat: 10, exp: 5 }), 'a.!!!.c'])
      expect(tokenLifetimeMs(text)).toBeUndefined();
  });
});

describe('refresh timing', () => {
  it('should refresh a 15-minute token one minute before it expires, counted from its arrival here', () => {
    // This browser's clock is an hour behind the server's: only the arrival time counts.
    const receivedAt = Date.UTC(2026, 0, 1, 12);
    const session = createSession(buildPayload(), receivedAt);
    expect(session.lifetimeMs).toBe(15 * MINUTE);
    expect(refreshDueAt(session)).toBe(receivedAt + 14 * MINUTE);
    expect(msUntilRefresh(session, receivedAt)).toBe(14 * MINUTE);
    expect(msUntilRefresh(session, receivedAt + 10 * MINUTE)).toBe(4 * MINUTE);
  });

  it('should refresh a short-lived token when four fifths of its life have passed', () => {
    const session = createSession(buildPayload({ accessToken: token({ iat: 100, exp: 130 }) }), 0);
    expect(refreshDueAt(session)).toBe(24_000);
  });

  it('should be due at once, never in the past, once the time has come', () => {
    const session = createSession(buildPayload(), 0);
    expect(msUntilRefresh(session, 14 * MINUTE)).toBe(0);
    expect(msUntilRefresh(session, 60 * MINUTE)).toBe(0);
    expect(shouldRefreshBeforeUse(session, 14 * MINUTE - 1)).toBe(false);
    expect(shouldRefreshBeforeUse(session, 14 * MINUTE)).toBe(true);
  });

  it('should fall back on accessTokenExpiresAt when the token states no lifetime', () => {
    const receivedAt = Date.UTC(2026, 0, 1, 12);
    const payload = buildPayload({
      accessToken: 'opaque',
      accessTokenExpiresAt: new Date(receivedAt + 10 * MINUTE).toISOString(),
    });
    expect(createSession(payload, receivedAt).lifetimeMs).toBe(10 * MINUTE);
  });
});

describe('a stored session', () => {
  it('should read back what was stored, and nothing malformed', () => {
    const session = createSession(buildPayload(), 1);
    expect(parseSession(JSON.stringify(session))).toEqual(session);
    const { user: _user, ...withoutUser } = session;
    for (const text of [
      null,
      '',
      '{',
      JSON.stringify(withoutUser),
      JSON.stringify({ ...session, user: { ...session.user, role: 'ROOT' } }),
    ]) {
      expect(parseSession(text)).toBeNull();
    }
  });
});

describe('where to go after signing in', () => {
  it('should go back to a page of this app, and elsewhere never', () => {
    expect(safeNextPath('/cart')).toBe('/cart');
    expect(safeNextPath('/orders/1?x=2')).toBe('/orders/1?x=2');
    for (const next of [
      null,
      '',
      'https://evil.example',
      '//evil.example',
      '/\\evil.example',
      'cart',
      '/login',
      '/signup?next=/x',
    ]) {
      expect(safeNextPath(next)).toBe('/');
    }
  });
});
