// A signed-in session and when to refresh it: pure, so the timing is tested without a browser.
//
// The access token lives `lifetime` (15 minutes by default); the refresh token is good for one
// `refresh`, which returns a new pair. The lifetime is read from the token itself (exp - iat, both
// on the server's clock) and counted from when this browser received it, so a browser clock that
// is minutes off still refreshes on time.

export type Role = 'CUSTOMER' | 'ADMIN';

export interface SessionUser {
  id: string;
  name: string;
  email: string;
  role: Role;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  user: SessionUser;
  /** Date.now() when the access token arrived. */
  receivedAt: number;
  /** How long the access token is valid, in ms. */
  lifetimeMs: number;
}

/** What signUp, login and refresh return. */
export interface AuthPayload {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  user: SessionUser;
}

/** At most this long before expiry a token is refreshed... */
export const REFRESH_LEAD_MS = 60_000;
/** ...and at most this share of its lifetime before, for short-lived tokens. */
export const REFRESH_LEAD_SHARE = 0.2;

/** exp - iat of a JWT, in ms; undefined when the token does not say. */
export function tokenLifetimeMs(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = atob(
      payload
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(payload.length / 4) * 4, '='),
    );
    const { iat, exp } = JSON.parse(json) as { iat?: unknown; exp?: unknown };
    return typeof iat === 'number' && typeof exp === 'number' && exp > iat ? (exp - iat) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export function createSession(payload: AuthPayload, receivedAt: number): Session {
  const lifetimeMs = tokenLifetimeMs(payload.accessToken) ?? Math.max(0, Date.parse(payload.accessTokenExpiresAt) - receivedAt);
  const { id, name, email, role } = payload.user;
  return {
    accessToken: payload.accessToken,
    refreshToken: payload.refreshToken,
    user: { id, name, email, role },
    receivedAt,
    lifetimeMs,
  };
}

export function expiresAt(session: Session): number {
  return session.receivedAt + session.lifetimeMs;
}

/** When to refresh: a minute before expiry, or a fifth of the lifetime before for shorter tokens. */
export function refreshDueAt(session: Session): number {
  return expiresAt(session) - Math.min(REFRESH_LEAD_MS, session.lifetimeMs * REFRESH_LEAD_SHARE);
}

/** How long to wait before refreshing; 0 when it is due. */
export function msUntilRefresh(session: Session, now: number): number {
  return Math.max(0, refreshDueAt(session) - now);
}

/** Whether a request about to be sent should refresh first rather than send this token. */
export function shouldRefreshBeforeUse(session: Session, now: number): boolean {
  return now >= refreshDueAt(session);
}

function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false;
  const session = value as Partial<Session>;
  return (
    typeof session.accessToken === 'string' &&
    typeof session.refreshToken === 'string' &&
    typeof session.receivedAt === 'number' &&
    typeof session.lifetimeMs === 'number' &&
    typeof session.user?.id === 'string' &&
    (session.user.role === 'CUSTOMER' || session.user.role === 'ADMIN')
  );
}

/** A stored session, or null for anything else. */
export function parseSession(text: string | null): Session | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(text);
    return isSession(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * Where to go after signing in: a path of this app from `?next=`, never another site
 * ("//evil.example", "https://...") nor the sign-in pages themselves.
 */
export function safeNextPath(next: string | null | undefined, fallback = '/'): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  if (/^\/(login|signup)(\/|\?|$)/.test(next)) return fallback;
  return next;
}
