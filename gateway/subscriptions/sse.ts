// GraphQL over Server-Sent Events, the `graphql-sse` protocol (GraphQL Yoga's and Hive Gateway's
// default, and what passes proxies that refuse WebSockets), on the same /graphql URL. Both modes:
// - distinct connections: each operation is its own request with `Accept: text/event-stream`;
// - single connection: PUT reserves a stream (its token comes back), GET with the token opens it,
//   POSTs with the token add operations to it, DELETE ?operationId= completes one.
// The caller is the request's `Authorization: Bearer <access token>`, verified by the gateway's
// authentication middleware before this runs (a bad token is a 401 there). A reserved stream
// belongs to the caller who reserved it: its token is useless to anyone else.
import { randomUUID } from 'node:crypto';
import type express from 'express';
import {
  createHandler,
  TOKEN_HEADER_KEY,
  TOKEN_QUERY_KEY,
  type Request as SseRequest,
  type Response as SseResponse,
  type ResponseBody,
} from 'graphql-sse';
import { OperationTypeNode } from 'graphql';
import type { VerifiedAccessToken } from '../../shared/auth/access-token';
import { Viewer } from '../../shared/auth/identity';
import type { Logger } from '../../shared/logger';
import { requestAccessToken, requestViewer } from '../auth';
import { codeOf, drained, sendGraphQL, statusOf } from './http-responses';
import { isStream, type SubscriptionOperations } from './operations';
import type { Sessions } from './sessions';

interface RequestContext {
  viewer: Viewer;
  token: VerifiedAccessToken | undefined;
  /** The gateway's own request, releasing a reservation nobody opened. */
  internal?: true;
}

/** How long a reserved stream waits for its GET before it is released. */
const RESERVATION_TTL_MS = 30_000;

export interface SseOptions {
  operations: SubscriptionOperations;
  sessions: Sessions;
  logger: Logger;
}

export interface SseTransport {
  /** Express middleware on /graphql: takes graphql-sse's requests, passes everything else on. */
  middleware: express.RequestHandler;
  /** Ends every open stream and forgets every reservation. */
  dispose(): Promise<void>;
}

export function serveGraphQLSse({ operations, sessions, logger }: SseOptions): SseTransport {
  const reservations = new Map<string, NodeJS.Timeout>();
  const open = new Set<() => void>();

  const handler = createHandler<express.Request, RequestContext>({
    authenticate: (req) => {
      const { viewer } = req.context;
      const presented = req.headers.get(TOKEN_HEADER_KEY) ?? new URL(req.url, 'http://gateway').searchParams.get(TOKEN_QUERY_KEY);
      if (presented) {
        // Someone else's stream reads as no stream at all.
        const owned = req.context.internal ?? presented.startsWith(`${viewer.identity?.userId}.`);
        return owned ? presented : refusal(404, 'Stream not found.');
      }
      if (req.method !== 'PUT') return null; // distinct connections mode
      if (!viewer.identity) return refusal(401, 'Reserving a stream needs a signed-in caller: send an access token.');
      const token = `${viewer.identity.userId}.${randomUUID()}`;
      // A reservation that is never opened would stay in memory for good: released after a while.
      const expiry = setTimeout(() => void release(token), RESERVATION_TTL_MS);
      expiry.unref();
      reservations.set(token, expiry);
      return token;
    },
    onSubscribe: async (req, params) => {
      const { viewer } = req.context;
      const prepared = await operations.prepare(viewer, params);
      if ('errors' in prepared) return refusal(statusOf(prepared.errors), undefined, prepared.errors);
      // GET must stay safe: graphql-sse checks this only when it runs operations itself.
      if (req.method === 'GET' && prepared.operation === OperationTypeNode.MUTATION) {
        return refusal(405, 'Mutations are not sent over GET: use POST.');
      }
      const outcome = await operations.run(viewer, prepared.args);
      // graphql-sse ends an operation's iterator only if it also has throw(), as generators do;
      // it takes a result for one only if it has a `data` key.
      return isStream(outcome) ? generatorOf(outcome) : { ...outcome, data: outcome.data ?? null };
    },
  });

  /** Releases a reservation nobody opened, through the protocol itself: open it and end it. */
  const release = async (token: string) => {
    reservations.delete(token);
    const [body] = await handler(sseRequest(undefined, token));
    if (body && typeof body !== 'string') await body.return(undefined);
  };

  const middleware: express.RequestHandler = async (req, res, next) => {
    if (!isSseRequest(req)) return next();
    const viewer = requestViewer(res);
    const token = requestAccessToken(res);
    const [body, init] = await handler(sseRequest(req, undefined, { viewer, token }));
    if (init.status >= 400) return refuse(req, res, body, init);
    res.writeHead(init.status, init.statusText, init.headers);
    if (body === null || typeof body === 'string') return void res.end(body ?? undefined);
    // An event stream: its reservation is now in use, and it lives no longer than its token.
    const reserved = req.get(TOKEN_HEADER_KEY);
    if (reserved) clearTimeout(reservations.get(reserved));
    if (reserved) reservations.delete(reserved);
    await stream(res, body, token);
  };

  const stream = async (res: express.Response, body: Exclude<ResponseBody, string>, token: VerifiedAccessToken | undefined) => {
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      open.delete(end);
      untrack();
      // Completes every operation of the stream, which frees their subscriptions in the hub.
      void body.return(undefined).catch((error: unknown) => logger.warn({ err: error }, 'could not end an SSE stream'));
      res.end();
    };
    // The protocol has no message for "your token is no longer valid": the stream ends, and the
    // client's reconnect brings a fresh token (or a 401).
    const untrack = token ? sessions.track('graphql-sse', token, () => end()) : () => {};
    open.add(end);
    res.on('close', end);
    try {
      for await (const chunk of body) {
        if (ended) break;
        if (!res.write(chunk)) await drained(res);
      }
    } catch (error) {
      logger.warn({ err: error }, 'SSE stream failed');
    } finally {
      end();
    }
  };

  return {
    middleware,
    dispose: async () => {
      for (const end of [...open]) end();
      await Promise.all([...reservations.keys()].map(release));
    },
  };
}

/** graphql-sse's own requests: event streams, reservations, completions, and POSTs onto a stream. */
function isSseRequest(req: express.Request): boolean {
  return (
    req.method === 'PUT' ||
    req.method === 'DELETE' ||
    acceptsEventStream(req) ||
    req.get(TOKEN_HEADER_KEY) !== undefined ||
    typeof req.query[TOKEN_QUERY_KEY] === 'string'
  );
}

function acceptsEventStream(req: express.Request): boolean {
  return req.headers.accept?.includes('text/event-stream') ?? false;
}

/**
 * graphql-sse's view of an Express request. It compares Accept whole, so an Accept that lists
 * text/event-stream among others is read as text/event-stream alone. `token` alone makes the
 * request that opens a reserved stream (to release it).
 */
function sseRequest(
  req: express.Request | undefined,
  token?: string,
  context: RequestContext = { viewer: Viewer.anonymous, token: undefined, internal: true },
): SseRequest<express.Request, RequestContext> {
  return {
    method: req?.method ?? 'GET',
    url: req?.originalUrl ?? '/graphql',
    headers: {
      get: (key) => {
        if (key === 'accept') return !req || acceptsEventStream(req) ? 'text/event-stream' : req.get('accept');
        if (key === TOKEN_HEADER_KEY && token) return token;
        return req?.get(key);
      },
    },
    body: (req?.body as Record<string, unknown> | undefined) ?? null,
    raw: req as express.Request,
    context,
  };
}

/** A refusal in graphql-sse's terms, with a coded GraphQL body. */
function refusal(status: number, message?: string, errors?: readonly unknown[]): SseResponse {
  const body = { errors: errors ?? [{ message, extensions: { code: codeOf(status) } }] };
  const headers = { 'content-type': 'application/json; charset=utf-8', ...(status === 405 && { allow: 'POST' }) };
  return [JSON.stringify(body), { status, statusText: '', headers }];
}

/** Answers graphql-sse's refusals with a coded GraphQL body, whatever the library wrote (or did not). */
function refuse(req: express.Request, res: express.Response, body: ResponseBody | null, init: SseResponse[1]): void {
  const code = codeOf(init.status);
  let errors: { message: string; extensions?: Record<string, unknown> }[] | undefined;
  try {
    errors = typeof body === 'string' ? (JSON.parse(body) as { errors?: typeof errors }).errors : undefined;
  } catch {
    // Not JSON: described from the status below.
  }
  const described = (errors ?? [{ message: defaultMessage(init.status) }]).map((error) => ({
    message: error.message,
    extensions: { ...error.extensions, code: error.extensions?.code ?? code },
  }));
  const allow = init.headers?.allow;
  sendGraphQL(req, res, init.status, { errors: described }, allow ? { allow } : {});
}

function defaultMessage(status: number): string {
  switch (status) {
    case 404:
      return 'Stream not found: reserve one with PUT, or send Accept: text/event-stream.';
    case 405:
      return 'Method not allowed for an SSE request.';
    case 406:
      return 'Not acceptable: an SSE request accepts text/event-stream, or application/json on a reserved stream.';
    default:
      return 'The SSE request could not be handled.';
  }
}

/** An iterator that also has throw(), ending like return(). */
function generatorOf<T>(iterator: AsyncIterableIterator<T>): AsyncGenerator<T> {
  const generator: AsyncGenerator<T> = {
    next: () => iterator.next(),
    return: async () => (await iterator.return?.()) ?? { value: undefined, done: true },
    throw: async () => (await iterator.return?.()) ?? { value: undefined, done: true },
    [Symbol.asyncIterator]: () => generator,
    [Symbol.asyncDispose]: async () => void (await iterator.return?.()),
  };
  return generator;
}
