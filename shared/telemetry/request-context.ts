// The request a piece of work belongs to, without passing it down every call: set once per HTTP
// request by the shared HTTP shell, read by the logger (every line carries request_id) and by the
// HTTP client (every call to another service forwards it). Always on, with tracing or without.
//
// An AsyncLocalStorage of its own rather than OpenTelemetry's context, which exists only while
// tracing. On Node 20 an active AsyncLocalStorage hooked every promise (11–28 % of the
// supergraph's throughput); Node 24 keeps it in the async context frame instead, and the
// measured cost is within run-to-run noise (BENCHMARKS.md, "The request context").
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

const requestIds = new AsyncLocalStorage<string>();

// Short and plain: a client's id lands in every log line, so it cannot be allowed to carry
// anything that breaks a log pipeline or smuggles content.
const ACCEPTABLE_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The caller's id when it is acceptable, else a fresh one. */
export function acceptRequestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && ACCEPTABLE_ID.test(header) ? header : randomUUID();
}

/** Runs `work`, and everything it starts, as part of request `requestId`. */
export function runWithRequestId<T>(requestId: string, work: () => T): T {
  return requestIds.run(requestId, work);
}

/** The id of the request the current code runs for, if any. */
export function currentRequestId(): string | undefined {
  return requestIds.getStore();
}
