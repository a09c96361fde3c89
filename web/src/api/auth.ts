// The signed-in session of this browser: kept in localStorage (shared by the shop's tabs), its
// access token refreshed a minute before it expires, and any request about to send an expiring
// token waits for the refresh instead.
//
// Refresh tokens rotate: each works once, and presenting one twice ends the whole session (the
// server takes it for a stolen copy). Two tabs refreshing at the same moment would do exactly
// that, so a refresh runs under a Web Lock shared by every tab, and re-reads the stored session
// inside it: when another tab has already rotated the token, this one adopts the result.
import { useSyncExternalStore } from 'react';
import {
  createSession,
  msUntilRefresh,
  parseSession,
  shouldRefreshBeforeUse,
  type AuthPayload,
  type Session,
} from '../lib/session';
import { isUnauthenticated } from '../lib/errors';
import { LOG_OUT, REFRESH } from './auth-documents';
import { postGraphQL } from './graphql-fetch';

const STORAGE_KEY = 'shop.session';
const REFRESH_LOCK = 'shop.session.refresh';
/** After a refresh that could not reach the gateway: try again this soon. */
const RETRY_MS = 5_000;

type Listener = () => void;

export class AuthStore {
  private session: Session | null;
  private readonly listeners = new Set<Listener>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private refreshing: Promise<Session | null> | undefined;
  /** Why the last session ended without the reader signing out, to say so on the sign-in page. */
  endedReason: string | undefined;

  constructor(private readonly storage: Storage) {
    this.session = parseSession(storage.getItem(STORAGE_KEY));
    // Another tab signed in, refreshed or signed out.
    window.addEventListener('storage', (event) => {
      if (event.key !== STORAGE_KEY && event.key !== null) return;
      this.adopt(parseSession(storage.getItem(STORAGE_KEY)));
    });
    // Timers of hidden tabs are throttled, and a sleeping laptop stops them: check again on return.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.schedule();
    });
    this.schedule();
  }

  get current(): Session | null {
    return this.session;
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  signIn(payload: AuthPayload): Session {
    const session = createSession(payload, Date.now());
    this.endedReason = undefined;
    this.save(session);
    return session;
  }

  /** Ends the session here and on the server (its refresh token and access tokens are revoked). */
  async signOut(): Promise<void> {
    const session = this.session;
    this.save(null);
    if (session) await postGraphQL(LOG_OUT, { refreshToken: session.refreshToken }).catch(() => undefined);
  }

  /** The access token to send now, refreshed first when it is about to expire; null when signed out. */
  async accessToken(): Promise<string | null> {
    const session = this.session;
    if (!session) return null;
    if (!shouldRefreshBeforeUse(session, Date.now())) return session.accessToken;
    return (await this.refresh(session))?.accessToken ?? null;
  }

  /**
   * After the gateway refused `token` (401: expired or revoked): whether a request may be retried,
   * with a token refreshed now or by another request in the meantime.
   */
  async recover(token: string): Promise<boolean> {
    const session = this.session;
    if (!session) return false;
    if (session.accessToken !== token) return true;
    const next = await this.refresh(session);
    return next !== null && next.accessToken !== token;
  }

  /** One refresh at a time in this tab; callers during one share its outcome. */
  refresh(from: Session): Promise<Session | null> {
    this.refreshing ??= this.refreshAcrossTabs(from).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async refreshAcrossTabs(from: Session): Promise<Session | null> {
    const rotate = async (): Promise<Session | null> => {
      const stored = parseSession(this.storage.getItem(STORAGE_KEY));
      if (!stored || stored.refreshToken !== from.refreshToken) {
        // Signed out, or already rotated by another tab: never present the old token again.
        this.adopt(stored);
        return stored;
      }
      try {
        const { refresh } = await postGraphQL(REFRESH, { refreshToken: stored.refreshToken });
        const next = createSession(refresh, Date.now());
        this.save(next);
        return next;
      } catch (error) {
        if (isUnauthenticated(error)) {
          this.endedReason = 'Your session has ended. Please sign in again.';
          this.save(null);
          return null;
        }
        // The gateway did not answer: keep the session (its token may still be good) and retry.
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.refresh(stored), RETRY_MS);
        return stored;
      }
    };
    return 'locks' in navigator ? navigator.locks.request(REFRESH_LOCK, rotate) : rotate();
  }

  private save(session: Session | null): void {
    if (session) this.storage.setItem(STORAGE_KEY, JSON.stringify(session));
    else this.storage.removeItem(STORAGE_KEY);
    this.adopt(session);
  }

  private adopt(session: Session | null): void {
    const changed = session?.accessToken !== this.session?.accessToken;
    this.session = session;
    this.schedule();
    if (changed) this.listeners.forEach((listener) => listener());
  }

  private schedule(): void {
    clearTimeout(this.timer);
    const session = this.session;
    if (!session) return;
    this.timer = setTimeout(
      () => {
        if (this.session === session) void this.refresh(session);
      },
      msUntilRefresh(session, Date.now()),
    );
  }
}

export const auth = new AuthStore(window.localStorage);

/** The current session, re-rendering on sign-in, refresh and sign-out (in any tab). */
export function useSession(): Session | null {
  return useSyncExternalStore(auth.subscribe, () => auth.current);
}
