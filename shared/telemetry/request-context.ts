// The request a piece of work belongs to, without passing it down every call: set once per HTTP
// request by the shared HTTP shell, read by the logger (every line carries request_id) and by the
// HTTP client (every call to another service forwards it).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

// Short and plain: a client's id lands in every log line, so it cannot be allowed to carry
// anything that breaks a log pipeline or smuggles content.
const ACCEPTABLE_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The caller's id when it is acceptable, else a fresh one. */
export function acceptRequestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && ACCEPTABLE_ID.test(header) ? header : randomUUID();
}

/** Runs `work` (and everything it starts) as part of request `requestId`. */
export function runWithRequestId<T>(requestId: string, work: () => T): T {
  return storage.run({ requestId }, work);
}

/** The id of the request the current code runs for, if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
