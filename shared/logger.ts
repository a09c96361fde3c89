import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger } from 'pino';
import { currentRequestId } from './telemetry/request-context';

export type { Logger };

let destination: DestinationStream | undefined;

/**
 * Where every logger of this process writes from now on (standard output by default): the dev
 * launcher, running all services in one process, sends them through its terminal formatter.
 */
export function setLogDestination(stream: DestinationStream): void {
  destination = stream;
}

// Defence in depth: fields that might ever carry credentials never reach the log, at the top of a
// line or one level down (`{ input: { password } }`, `{ headers: { authorization } }`). Nothing
// logs them on purpose; this catches the day something logs a whole object. GraphQL variables
// are the client's data, passwords included: never logged either.
const SECRET_KEYS = [
  'password',
  'newPassword',
  'currentPassword',
  'oldPassword',
  'token',
  'accessToken',
  'refreshToken',
  'identityToken',
  'paymentToken',
  'secret',
  'signingKey',
  'privateKey',
  'internalSecret',
  'authorization',
  'cookie',
  '["set-cookie"]',
  '["x-internal-identity"]',
  'databaseUrl',
  'connectionString',
  'variables',
];
export const REDACTED_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*${member(key)}`),
  ...['req.headers', 'request.headers', 'res.headers', 'err.config'].flatMap((parent) =>
    SECRET_KEYS.map((key) => `${parent}${member(key)}`),
  ),
];

/** `.key`, or `["key-with-dashes"]` as is, in fast-redact's path syntax. */
function member(key: string): string {
  return key.startsWith('[') ? key : `.${key}`;
}

/** The request and trace a line was written for, from the async context it was written in. */
function correlation(): Record<string, string> {
  const fields: Record<string, string> = {};
  const requestId = currentRequestId();
  if (requestId) fields.request_id = requestId;
  const span = trace.getActiveSpan()?.spanContext();
  if (span && isSpanContextValid(span)) {
    fields.trace_id = span.traceId;
    fields.span_id = span.spanId;
  }
  return fields;
}

/**
 * Structured JSON logs, one logger per service, tagged with the service's name and, on every line
 * written for a request, its request id (telemetry/request-context.ts) and, while tracing, the
 * trace/span ids of the work that wrote it.
 */
export function createLogger(service: string, level: string): Logger {
  const options = {
    level,
    base: { service },
    mixin: correlation,
    redact: { paths: REDACTED_PATHS, remove: true },
  };
  return destination ? pino(options, destination) : pino(options);
}
