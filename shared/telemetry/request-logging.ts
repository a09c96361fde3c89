// Per-request bookkeeping every service shares: the request id (the caller's, when acceptable,
// else a new one) answered in X-Request-Id and carried by everything the request does, and one
// log line per request once it is answered.
import { trace } from '@opentelemetry/api';
import type express from 'express';
import type { Logger } from '../logger';
import { acceptRequestId, REQUEST_ID_HEADER, runWithRequestId } from './request-context';
import { nameOperationSpan } from './tracing';

/** Probes and scrapes: logged only at trace level, or they would bury everything else. */
const QUIET_PATHS = new Set(['/health', '/ready', '/metrics']);

// A GraphQL name (https://spec.graphql.org/October2021/#Name), kept short: it goes into logs and
// span names as the client wrote it.
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;

interface RequestLocals {
  operationName?: string;
}

/**
 * First middleware of every service. Logs method, path (without the query string: a GET carries
 * its variables there), status, duration, operation name, request and trace ids; never headers
 * or bodies.
 */
export function requestTelemetry(logger: Logger): express.RequestHandler {
  return (req, res, next) => {
    const requestId = acceptRequestId(req.headers[REQUEST_ID_HEADER]);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const started = performance.now();
    const path = pathOf(req.originalUrl);
    // Captured now: by the time the response closes, the request's context is no longer active.
    const span = trace.getActiveSpan()?.spanContext();
    res.once('close', () => {
      const status = res.statusCode;
      const log = QUIET_PATHS.has(path) ? logger.trace : status >= 500 ? logger.warn : logger.info;
      const { operationName } = res.locals as RequestLocals;
      log.call(
        logger,
        {
          request_id: requestId,
          ...(span && { trace_id: span.traceId, span_id: span.spanId }),
          method: req.method,
          path,
          status,
          duration_ms: Math.round((performance.now() - started) * 10) / 10,
          ...(operationName && { operation: operationName }),
          ...(!res.writableFinished && { aborted: true }),
        },
        `${req.method} ${path} ${status}`,
      );
    });
    runWithRequestId(requestId, next);
  };
}

/**
 * After body parsing: the operation name the client gave, for the request's log line and its
 * server span's name. Not validated against the document (that is GraphQL's business), only
 * against what a name may look like.
 */
export function operationNaming(): express.RequestHandler {
  return (req, res, next) => {
    const name: unknown = (req.body as { operationName?: unknown } | undefined)?.operationName;
    if (typeof name === 'string' && OPERATION_NAME.test(name)) {
      (res.locals as RequestLocals).operationName = name;
      nameOperationSpan(req.method, pathOf(req.originalUrl), name);
    }
    next();
  };
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
