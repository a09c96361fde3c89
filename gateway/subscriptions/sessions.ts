// Every open subscription connection, whatever its transport, lives only as long as the access
// token it was opened with: it is ended when the token expires, or when it is revoked (its
// session's logout, its account's deletion or change of role: checked every REVOCATION_SWEEP_MS).
// The client reconnects with a fresh token. One sweep covers every transport's connections.
import { Gauge, type Registry } from 'prom-client';
import type { VerifiedAccessToken } from '../../shared/auth/access-token';
import type { AccessTokenVerifier } from '../access-tokens';

export type Transport = 'graphql-ws' | 'graphql-sse' | 'multipart';

/** Why a connection is being ended by the gateway. */
export type EndReason = 'expired' | 'revoked';

export const END_MESSAGES: Record<EndReason, string> = {
  expired: 'Access token expired: reconnect with a fresh one.',
  revoked: 'Access token revoked: sign in again.',
};

interface Session {
  token: VerifiedAccessToken;
  transport: Transport;
  end(reason: EndReason): void;
  expiry: NodeJS.Timeout;
}

/** How often open connections are checked for revoked tokens. */
const REVOCATION_SWEEP_MS = 1_000;

export class Sessions {
  private readonly open = new Set<Session>();
  private readonly sweep: NodeJS.Timeout;
  private sweeping = false;
  private readonly gauge: Gauge<'transport'>;

  constructor(
    private readonly accessTokens: AccessTokenVerifier,
    registry: Registry,
  ) {
    this.gauge = new Gauge({
      name: 'subscription_connections',
      help: 'Open subscription connections on this gateway, by transport (graphql-ws sockets, graphql-sse and multipart streams).',
      labelNames: ['transport'],
      registers: [registry],
    });
    for (const transport of ['graphql-ws', 'graphql-sse', 'multipart'] as const) this.gauge.set({ transport }, 0);
    this.sweep = setInterval(() => {
      // One sweep at a time, however slowly Redis answers.
      if (this.sweeping) return;
      this.sweeping = true;
      void this.endRevoked().finally(() => (this.sweeping = false));
    }, REVOCATION_SWEEP_MS);
    this.sweep.unref();
  }

  /**
   * Watches a connection opened with `token`: `end` is called at most once, when the token expires
   * or is revoked. Returns what the transport calls when the connection closes, for whatever reason.
   */
  track(transport: Transport, token: VerifiedAccessToken, end: (reason: EndReason) => void): () => void {
    const session: Session = {
      token,
      transport,
      end: (reason) => {
        if (!this.close(session)) return;
        end(reason);
      },
      expiry: setTimeout(() => session.end('expired'), Math.max(0, token.expiresAt * 1000 - Date.now())),
    };
    session.expiry.unref();
    this.open.add(session);
    this.gauge.inc({ transport });
    return () => void this.close(session);
  }

  dispose(): void {
    clearInterval(this.sweep);
    for (const session of this.open) this.close(session);
  }

  /** Forgets the session; false if it was already closed. */
  private close(session: Session): boolean {
    if (!this.open.delete(session)) return false;
    clearTimeout(session.expiry);
    this.gauge.dec({ transport: session.transport });
    return true;
  }

  /** Ends the connections whose token was revoked (the verifier reads each session at most every 2 s). */
  private async endRevoked(): Promise<void> {
    await Promise.all(
      [...this.open].map(async (session) => {
        try {
          await this.accessTokens.requireCurrent(session.token);
        } catch {
          session.end('revoked');
        }
      }),
    );
  }
}
