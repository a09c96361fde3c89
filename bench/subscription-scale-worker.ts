// One share of the scale benchmark's idle subscribers, in a thread of its own, over one transport:
// graphql-ws, graphql-sse (distinct connections mode, graphql-sse's own client) or Apollo's
// multipart HTTP subscriptions (a streaming fetch, as Apollo Client's HttpLink sends it). The
// driver says "connect" and "disconnect"; the worker answers once every connection has opened, or
// closed. Subscribers never need to parse anything: they are idle, and the gateway's gauges say
// when their subscriptions are registered.
import { parentPort, workerData } from 'node:worker_threads';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { createClient as createSseClient, type Client as SseClient } from 'graphql-sse';
import WebSocket from 'ws';

export type ScaleTransport = 'graphql-ws' | 'graphql-sse' | 'multipart';

export interface ScaleWorkerInput {
  gatewayUrl: string;
  transport: ScaleTransport;
  /** One "Bearer <access token>" per subscriber of this share. */
  authorizations: string[];
  query: string;
}

export type ScaleWorkerCommand = { type: 'connect' } | { type: 'disconnect' };

export type ScaleWorkerReply =
  { type: 'connected'; opened: number; failures: string[] } | { type: 'disconnected' } | { type: 'error'; message: string };

/** Connections opened at once: more would overflow the gateway's listen backlog (somaxconn). */
const CONCURRENCY = 100;

/** Apollo's multipart subscription request, as its HttpLink sends it. */
export const MULTIPART_ACCEPT = 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0",application/json';

const { gatewayUrl, transport, authorizations, query } = workerData as ScaleWorkerInput;

/** An open subscriber: closes its connection and resolves once it is closed. */
type Close = () => Promise<void>;

let open: Close[] = [];

/** Opens one subscriber; resolves with its close once its connection is up, rejects if it fails. */
function openOne(authorization: string): Promise<Close> {
  switch (transport) {
    case 'graphql-ws':
      return openGraphQLWs(authorization);
    case 'graphql-sse':
      return openGraphQLSse(authorization);
    case 'multipart':
      return openMultipart(authorization);
  }
}

function openGraphQLWs(authorization: string): Promise<Close> {
  return new Promise((resolve, reject) => {
    let closed: () => void = () => {};
    const client: WsClient = createWsClient({
      url: gatewayUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization },
      retryAttempts: 0,
      on: {
        connected: () => resolve(close),
        closed: (event) => {
          closed();
          reject(new Error(`graphql-ws closed before it was acknowledged: ${(event as { code?: number }).code}`));
        },
      },
    });
    const close: Close = () =>
      new Promise<void>((done) => {
        closed = done;
        void client.dispose();
      });
    client.subscribe({ query }, { next: () => {}, error: (error) => report(error), complete: () => {} });
  });
}

function openGraphQLSse(authorization: string): Promise<Close> {
  return new Promise((resolve, reject) => {
    const client: SseClient = createSseClient({
      url: gatewayUrl,
      headers: { authorization },
      retryAttempts: 0,
      on: { connected: () => resolve(close) },
    });
    const unsubscribe = client.subscribe(
      { query },
      {
        next: () => {},
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => {},
      },
    );
    // Distinct connections mode: unsubscribing aborts the subscription's request, which closes it.
    const close: Close = async () => {
      unsubscribe();
      client.dispose();
    };
  });
}

async function openMultipart(authorization: string): Promise<Close> {
  const abort = new AbortController();
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: MULTIPART_ACCEPT, authorization },
    body: JSON.stringify({ query }),
    signal: abort.signal,
  });
  if (!response.ok || !response.body) throw new Error(`multipart subscription: HTTP ${response.status}`);
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.startsWith('multipart/mixed')) throw new Error(`multipart subscription answered ${contentType}`);
  const reader = response.body.getReader();
  // Read (and drop) parts as they come, heartbeats included, until the body ends or is aborted.
  const reading = (async () => {
    try {
      for (;;) if ((await reader.read()).done) return;
    } catch {
      // Aborted by close().
    }
  })();
  return async () => {
    abort.abort();
    await reading;
  };
}

function report(error: unknown): void {
  parentPort?.postMessage({
    type: 'error',
    message: error instanceof Error ? error.message : JSON.stringify(error),
  } satisfies ScaleWorkerReply);
}

async function connectAll(): Promise<void> {
  const failures: string[] = [];
  for (let start = 0; start < authorizations.length; start += CONCURRENCY) {
    const settled = await Promise.allSettled(authorizations.slice(start, start + CONCURRENCY).map(openOne));
    for (const outcome of settled) {
      if (outcome.status === 'fulfilled') open.push(outcome.value);
      else failures.push(String(outcome.reason));
    }
  }
  parentPort?.postMessage({ type: 'connected', opened: open.length, failures: failures.slice(0, 5) } satisfies ScaleWorkerReply);
}

async function disconnectAll(): Promise<void> {
  const closing = open;
  open = [];
  await Promise.all(closing.map((close) => close()));
  parentPort?.postMessage({ type: 'disconnected' } satisfies ScaleWorkerReply);
}

parentPort?.on('message', (command: ScaleWorkerCommand) => {
  const work = command.type === 'connect' ? connectAll() : disconnectAll();
  work.catch(report);
});
