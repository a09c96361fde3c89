// Apollo's multipart HTTP subscriptions (subscriptionSpec 1.0): what Apollo Client's plain HttpLink
// sends for a subscription, with `Accept: multipart/mixed;boundary="graphql";subscriptionSpec=1.0`.
// The response is one long multipart body; each part is JSON:
//   {}                                  a heartbeat (the first one says the subscription is live)
//   {"payload": <execution result>}     a result
//   {"payload": null, "errors": [...]}  a transport error, after which the body ends
// A part is only read by clients once the next boundary arrives, so every part is written
// together with the boundary that follows it.
import type express from 'express';
import { GraphQLError, OperationTypeNode, type ExecutionResult } from 'graphql';
import { ErrorCode } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { requestAccessToken, requestViewer } from '../auth';
import { drained, sendErrors, sendGraphQL } from './http-responses';
import { isStream, type SubscriptionOperations } from './operations';
import { END_MESSAGES, type Sessions } from './sessions';

const CONTENT_TYPE = 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"';
const BOUNDARY = '\r\n--graphql';
const HEARTBEAT = part('{}');
/** Apollo's protocol sends a heartbeat every 5 s; a shorter keep-alive of the gateway wins. */
const MAX_HEARTBEAT_MS = 5_000;

export interface MultipartOptions {
  operations: SubscriptionOperations;
  sessions: Sessions;
  logger: Logger;
  keepAliveMs: number;
}

export interface MultipartTransport {
  /** Express middleware on /graphql: takes multipart subscriptions, passes everything else on. */
  middleware: express.RequestHandler;
  /** Ends every open response. */
  dispose(): void;
}

export function serveMultipartSubscriptions({ operations, sessions, logger, keepAliveMs }: MultipartOptions): MultipartTransport {
  const open = new Set<() => void>();
  const heartbeatMs = Math.min(keepAliveMs, MAX_HEARTBEAT_MS);

  const middleware: express.RequestHandler = async (req, res, next) => {
    if (!acceptsMultipartSubscriptions(req)) return next();
    const params = (req.method === 'GET' ? req.query : req.body) as Record<string, unknown> | undefined;
    // Queries and mutations sent with this Accept get Apollo Server's ordinary JSON answer.
    if (operations.operationType(params?.query, params?.operationName) !== OperationTypeNode.SUBSCRIPTION) return next();
    if (req.method !== 'POST') {
      return sendGraphQL(
        req,
        res,
        405,
        { errors: [{ message: 'Send a multipart subscription as a POST.', extensions: { code: ErrorCode.METHOD_NOT_ALLOWED } }] },
        { allow: 'POST' },
      );
    }
    const viewer = requestViewer(res);
    const prepared = await operations.prepare(viewer, params ?? {});
    if ('errors' in prepared) return sendErrors(req, res, prepared.errors);
    const outcome = await operations.run(viewer, prepared.args);
    // Refused when it subscribed (an order that is not the caller's): one ordinary GraphQL answer.
    if (!isStream(outcome)) return sendGraphQL(req, res, 200, { data: outcome.data ?? null, errors: outcome.errors });

    res.writeHead(200, { 'content-type': CONTENT_TYPE, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    res.write(BOUNDARY + HEARTBEAT);
    let ended = false;
    const end = (last?: string) => {
      if (ended) return;
      ended = true;
      open.delete(closeOnShutdown);
      clearInterval(heartbeat);
      untrack();
      // Frees the subscription in the hub at once, whichever side ended it.
      void outcome.return?.();
      res.end(last ? `${part(last)}--\r\n` : '--\r\n');
    };
    const closeOnShutdown = () => end();
    const heartbeat = setInterval(() => res.write(HEARTBEAT), heartbeatMs);
    heartbeat.unref();
    const token = requestAccessToken(res);
    const untrack = token
      ? sessions.track('multipart', token, (reason) => end(transportError(END_MESSAGES[reason], ErrorCode.UNAUTHENTICATED)))
      : () => {};
    open.add(closeOnShutdown);
    res.on('close', () => end());
    try {
      for await (const result of outcome) {
        if (ended) break;
        if (!res.write(part(`{"payload":${JSON.stringify(result satisfies ExecutionResult)}}`))) await drained(res);
      }
      end();
    } catch (error) {
      logger.warn({ err: error }, 'multipart subscription failed');
      const message = error instanceof GraphQLError ? error.message : 'The subscription ended on an internal error.';
      end(transportError(message, ErrorCode.INTERNAL_SERVER_ERROR));
    }
  };

  return {
    middleware,
    dispose: () => {
      for (const end of [...open]) end();
    },
  };
}

/** Whether the client asked for Apollo's multipart subscriptions (as Apollo Client's HttpLink does). */
function acceptsMultipartSubscriptions(req: express.Request): boolean {
  const accept = req.headers.accept?.toLowerCase() ?? '';
  return accept.includes('multipart/mixed') && accept.includes('subscriptionspec');
}

/** One part, followed by the boundary that lets the client read it. */
function part(json: string): string {
  return `\r\ncontent-type: application/json; charset=utf-8\r\n\r\n${json}${BOUNDARY}`;
}

function transportError(message: string, code: ErrorCode): string {
  return JSON.stringify({ payload: null, errors: [{ message, extensions: { code } }] });
}
