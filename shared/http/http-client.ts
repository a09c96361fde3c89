// HTTP between our services (the gateway's subgraph fetches, service-to-service calls): undici's
// request API over one process-wide pool of kept-alive connections per origin. Node's global fetch
// runs on the same undici underneath but adds the WHATWG Request/Response/AbortSignal layers to
// every call; under load those layers were the largest part of the gateway's own CPU after JSON.
import { Agent, errors, request } from 'undici';
import { currentRequestId, REQUEST_ID_HEADER } from '../telemetry/request-context';

/** The part of a fetch Response that callers read. */
export interface HttpReply {
  ok: boolean;
  status: number;
  statusText: string;
  url: string;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  /** How long to wait for the answer's headers, then for each chunk of its body. */
  timeoutMs: number;
}

// Idle connections close after 30 s; at most 64 at once to one service from one process.
const agent = new Agent({ connections: 64, keepAliveTimeout: 30_000 });

export async function post(url: string, { headers, body, timeoutMs }: PostOptions): Promise<HttpReply> {
  const response = await request(url, {
    method: 'POST',
    headers: withRequestId(headers),
    body,
    dispatcher: agent,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const { statusCode } = response;
  return {
    ok: statusCode >= 200 && statusCode < 300,
    status: statusCode,
    statusText: String(statusCode),
    url,
    headers: {
      get: (name) => {
        const value = response.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
    text: () => response.body.text(),
    json: () => response.body.json(),
  };
}

/** The request being served goes along, so the called service logs under the same request id. */
function withRequestId(headers: Record<string, string>): Record<string, string> {
  const requestId = currentRequestId();
  return requestId && !(REQUEST_ID_HEADER in headers) ? { ...headers, [REQUEST_ID_HEADER]: requestId } : headers;
}

/** Why a call failed, in the words of a SERVICE_UNAVAILABLE error. */
export function failureReason(error: unknown): 'timed out' | 'unreachable' {
  const timedOut =
    error instanceof errors.HeadersTimeoutError ||
    error instanceof errors.BodyTimeoutError ||
    error instanceof errors.ConnectTimeoutError;
  return timedOut ? 'timed out' : 'unreachable';
}
