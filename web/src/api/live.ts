// The WebSocket that carries live order updates (graphql-ws, on the gateway's own /graphql), and
// its state for the page's "live" indicator.
//
// Why graphql-ws rather than Apollo's multipart HTTP or graphql-sse: its client reconnects by
// itself with back-off, calls connectionParams again on every connect (so a reconnect carries the
// freshest access token) and re-subscribes every active subscription on the new socket; one
// socket serves every subscription of the tab; and its connection events ('connected', 'closed')
// tell the indicator exactly when updates can arrive. Multipart HTTP subscriptions end with the
// response and Apollo Client does not resubscribe by itself; graphql-sse reconnects too, but
// Apollo Client has no link for it. See docs/web.md.
import { useSyncExternalStore } from 'react';
import { createClient, type Client } from 'graphql-ws';
import { retryDelayMs } from '../lib/retry';
import { auth } from './auth';
import { GRAPHQL_PATH } from './graphql-fetch';

/** idle: no subscription; connecting: first connect; live: updates flow; reconnecting: lost, retrying. */
export type LiveState = 'idle' | 'connecting' | 'live' | 'reconnecting';

/** graphql-ws: a close with this code is a normal one, and the client reconnects right away. */
const RESTART_CODE = 4205;
/** No pong within this long after a ping: the connection is dead though no close arrived. */
const PONG_TIMEOUT_MS = 5_000;
/** graphql-ws closes the socket this long after its last subscription ends. */
const LAZY_CLOSE_MS = 3_000;

let state: LiveState = 'idle';
let everConnected = false;
let socket: WebSocket | undefined;
let lastCloseCode: number | undefined;
/** The access token the current (or last) socket was opened with. */
let sentToken: string | undefined;
const pongTimeouts = new Set<ReturnType<typeof setTimeout>>();
const stateListeners = new Set<() => void>();
const reconnectListeners = new Set<() => void>();

function setState(next: LiveState): void {
  if (next === state) return;
  state = next;
  stateListeners.forEach((listener) => listener());
}

function webSocketUrl(): string {
  const url = new URL(GRAPHQL_PATH, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

export const wsClient: Client = createClient({
  url: webSocketUrl,
  lazy: true,
  lazyCloseTimeout: LAZY_CLOSE_MS,
  // Pings from the client too: a connection that died without a close (a sleeping laptop, a
  // dropped network) is noticed within seconds and replaced.
  keepAlive: 10_000,
  retryAttempts: Infinity,
  shouldRetry: () => true,
  retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, retryDelayMs(retries))),
  connectionParams: async () => {
    const token = await auth.accessToken();
    sentToken = token ?? undefined;
    return token ? { authorization: `Bearer ${token}` } : {};
  },
  on: {
    connecting: () => setState(everConnected ? 'reconnecting' : 'connecting'),
    opened: (opened) => {
      socket = opened as WebSocket;
    },
    connected: () => {
      const reconnected = everConnected;
      everConnected = true;
      setState('live');
      // Changes made while the socket was down were not sent to it: pages fetch what they show.
      if (reconnected) reconnectListeners.forEach((listener) => listener());
    },
    closed: (event) => {
      socket = undefined;
      lastCloseCode = (event as CloseEvent | undefined)?.code;
      // 1000: graphql-ws closed it itself, the last subscription having ended.
      setState(lastCloseCode === 1000 ? 'idle' : 'reconnecting');
    },
    ping: (received) => {
      if (received) return;
      const pinged = socket;
      const timeout = setTimeout(() => {
        if (pinged?.readyState === WebSocket.OPEN) pinged.close(RESTART_CODE, 'No pong');
      }, PONG_TIMEOUT_MS);
      pongTimeouts.add(timeout);
    },
    pong: (received) => {
      if (!received) return;
      pongTimeouts.forEach(clearTimeout);
      pongTimeouts.clear();
    },
  },
});

// The gateway ends a socket when its access token expires. Whenever the session changes (a
// refresh, in this tab or another), the socket is replaced at once by one that carries the new
// token; graphql-ws resubscribes on it. Signed out, the subscriptions' pages unmount.
let sessionToken = auth.current?.accessToken;
auth.subscribe(() => {
  const token = auth.current?.accessToken;
  if (token === sessionToken) return;
  sessionToken = token;
  if (token && socket?.readyState === WebSocket.OPEN) socket.close(RESTART_CODE, 'New access token');
});

/** graphql-ws close codes for a refused access token (expired, revoked): it gives up on them. */
const TOKEN_REFUSED = new Set([4401, 4403]);
let recovery: Promise<boolean> | undefined;

/**
 * For a subscription that ended with an error: when the gateway had refused the socket's access
 * token, refresh it (once for all the tab's subscriptions) and subscribe again. A refresh that
 * fails signs the reader out, and the page that needed the subscription goes with it.
 */
export function resubscribeAfterRefusal(restart: () => void): void {
  const token = sentToken;
  if (!token || lastCloseCode === undefined || !TOKEN_REFUSED.has(lastCloseCode)) return;
  recovery ??= auth.recover(token).finally(() => {
    recovery = undefined;
  });
  void recovery.then((recovered) => {
    if (recovered) restart();
  });
}

/** Called after every reconnection (not the first connection). */
export function onReconnected(listener: () => void): () => void {
  reconnectListeners.add(listener);
  return () => reconnectListeners.delete(listener);
}

export function useLiveState(): LiveState {
  return useSyncExternalStore(
    (listener) => {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    () => state,
  );
}
