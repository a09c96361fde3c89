// The request a piece of work belongs to, without passing it down every call: set once per HTTP
// request by the shared HTTP shell, read by the logger (every line carries request_id) and by the
// HTTP client (every call to another service forwards it).
//
// It rides in OpenTelemetry's context, so it follows the work exactly as far as the trace does,
// and costs nothing more: with tracing on, that context is already kept across every await (an
// AsyncLocalStorage). With tracing off there is no such context, on purpose: on Node 20 an active
// AsyncLocalStorage hooks every promise, which measured 11–28 % of the supergraph's throughput
// (BENCHMARKS.md). Then the request id still goes on every request's log line and on every
// subgraph fetch of the gateway (passed explicitly, see gateway/server.ts), but not on the lines
// and service-to-service calls made deeper inside a request.
import { randomUUID } from 'node:crypto';
import { context, createContextKey } from '@opentelemetry/api';

export const REQUEST_ID_HEADER = 'x-request-id';

const REQUEST_ID = createContextKey('shop.request_id');

// Short and plain: a client's id lands in every log line, so it cannot be allowed to carry
// anything that breaks a log pipeline or smuggles content.
const ACCEPTABLE_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The caller's id when it is acceptable, else a fresh one. */
export function acceptRequestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && ACCEPTABLE_ID.test(header) ? header : randomUUID();
}

/** Runs `work` (and, when tracing is on, everything it starts) as part of request `requestId`. */
export function runWithRequestId<T>(requestId: string, work: () => T): T {
  return context.with(context.active().setValue(REQUEST_ID, requestId), work);
}

/** The id of the request the current code runs for, when tracing keeps that context. */
export function currentRequestId(): string | undefined {
  const value = context.active().getValue(REQUEST_ID);
  return typeof value === 'string' ? value : undefined;
}
