// A graphql-ws client for tests, as Apollo Client's GraphQLWsLink or Sandbox would connect.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Endpoint } from './graphql';

export function wsUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws');
}

// any: tests read arbitrary shapes out of results; the assertions check them.
export interface Result {
  data?: Record<string, any> | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
}

export interface TestSubscription {
  /** Every result received so far, in order. */
  readonly results: Result[];
  /** Waits until `count` results match `predicate` (all results by default); returns those. */
  waitFor(count: number, predicate?: (result: Result) => boolean, timeoutMs?: number): Promise<Result[]>;
  /** Resolves with the error or completion that ended the subscription. */
  readonly ended: Promise<{ error?: unknown }>;
  /** Completes the subscription, keeping the socket; resolves once the gateway has processed it. */
  complete(): Promise<void>;
  /** Completes the subscription and closes the socket. */
  close(): Promise<void>;
}

/**
 * A client of the gateway at `target`. An endpoint's Authorization header goes in the
 * connection_init payload, as Apollo Client's GraphQLWsLink sends it (`connectionParams`),
 * read afresh on every connect.
 */
export function connect(target: string | Endpoint, connectionParams?: Record<string, unknown>): Client {
  const { url, headers } = typeof target === 'string' ? { url: target, headers: undefined } : target;
  return createClient({
    url: wsUrl(url),
    webSocketImpl: WebSocket,
    connectionParams: () => connectionParams ?? (headers?.authorization ? { authorization: headers.authorization } : {}),
    retryAttempts: 0,
    lazy: true,
  });
}

/**
 * Subscribes and resolves once the gateway has registered the subscription: a query sent after it
 * on the same socket has been answered, and the server handles one socket's messages in order.
 */
export async function subscribe(
  target: string | Endpoint,
  query: string,
  variables: Record<string, unknown> = {},
  client = connect(target),
): Promise<TestSubscription> {
  const recording = recorder();
  const unsubscribe = client.subscribe({ query, variables }, recording.sink);
  await barrier(client);
  return {
    ...recording.subscription,
    complete: async () => {
      unsubscribe();
      await barrier(client);
    },
    close: async () => {
      unsubscribe();
      await client.dispose();
    },
  };
}

/** Where a transport's client puts what it receives: results, then an error or completion. */
export interface Sink {
  next(result: Result): void;
  error(error: unknown): void;
  complete(): void;
}

/**
 * Records a subscription's results for `waitFor`, whatever the transport: the client writes to
 * `sink`; the transport adds `complete` and `close`.
 */
export function recorder(): { sink: Sink; subscription: Pick<TestSubscription, 'results' | 'waitFor' | 'ended'> } {
  const results: Result[] = [];
  const waiters = new Set<() => void>();
  let end: (outcome: { error?: unknown }) => void = () => {};
  const ended = new Promise<{ error?: unknown }>((resolve) => {
    end = resolve;
  });
  const sink: Sink = {
    next: (result) => {
      results.push(result);
      for (const wake of waiters) wake();
    },
    error: (error) => end({ error }),
    complete: () => end({}),
  };
  const waitFor: TestSubscription['waitFor'] = (count, predicate = () => true, timeoutMs = 15_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const matching = results.filter(predicate);
        if (matching.length < count) return false;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(matching);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(
            `expected ${count} matching results within ${timeoutMs} ms, got ${results.filter(predicate).length}: ${JSON.stringify(results).slice(0, 2000)}`,
          ),
        );
      }, timeoutMs);
      if (!check()) waiters.add(check);
      void ended.then(() => {
        if (waiters.has(check) && !check()) {
          waiters.delete(check);
          clearTimeout(timer);
          reject(new Error(`subscription ended before ${count} matching results: ${JSON.stringify(results).slice(0, 2000)}`));
        }
      });
    });
  return { sink, subscription: { results, ended, waitFor } };
}

function barrier(client: Client): Promise<void> {
  return new Promise((resolve, reject) => {
    client.subscribe({ query: '{ __typename }' }, { next: () => {}, error: reject, complete: resolve });
  });
}

/**
 * Subscriptions a test file opens with `watch`, each on its own socket, all closed by
 * `closeAll` (call it in afterEach) so a failing test leaves no socket behind.
 */
export function watcher() {
  const open: TestSubscription[] = [];
  return {
    watch: async (
      target: string | Endpoint,
      query: string,
      variables: Record<string, unknown> = {},
    ): Promise<TestSubscription> => {
      const subscription = await subscribe(target, query, variables);
      open.push(subscription);
      return subscription;
    },
    closeAll: () => Promise.all(open.splice(0).map((subscription) => subscription.close())),
  };
}
