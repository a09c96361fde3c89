// The load generator's own process (forked by bench/gateways/suite.ts), so that driving the load
// never shares an event loop with what is measured. It runs autocannon once per request from the
// suite: first a warm-up, then the measured window, and answers with what it saw.
import autocannon from 'autocannon';
import { signInternalToken, IDENTITY_HEADER } from '../../shared/auth/internal-token';
import type { Identity } from '../../shared/auth/identity';
import { percentile } from '../support/percentiles';
import { bearer, type Secrets } from '../support/stack';
import { WORKLOADS, type Authorize, type Fixtures, type OperationName } from './operations';

/** How a gateway learns who the caller is. */
export type AuthMode =
  /** Our gateway: the client's access token, verified at the edge. */
  | 'access-token'
  /** The peers have no such check: the caller's internal identity token, which they pass on. */
  | 'internal-token';

export interface LoadRequest {
  type: 'run';
  url: string;
  operation: OperationName;
  fixtures: Fixtures;
  auth: AuthMode;
  secrets: Secrets;
  connections: number;
  durationSeconds: number;
}

export interface LoadResult {
  requests: number;
  durationSeconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** Responses with GraphQL errors, connection errors and timeouts. */
  errors: number;
  /** Answers with a status other than 2xx (a GraphQL error may come with one). */
  non2xx: number;
  /** A few distinct error bodies, to tell what went wrong. */
  errorSamples: string[];
}

function authorizer(mode: AuthMode, secrets: Secrets): Authorize {
  const cache = new Map<string, { headers: Record<string, string>; until: number }>();
  return (identity: Identity) => {
    const cached = cache.get(identity.userId);
    if (cached && cached.until > Date.now()) return cached.headers;
    // Internal tokens live 60 s: a fresh one every 30 s keeps every request valid.
    const headers: Record<string, string> =
      mode === 'access-token'
        ? { authorization: bearer(identity, secrets) }
        : { [IDENTITY_HEADER]: signInternalToken(identity, 'bench', { internalSecret: secrets.INTERNAL_SECRET }) };
    cache.set(identity.userId, { headers, until: Date.now() + (mode === 'access-token' ? 3_600_000 : 30_000) });
    return headers;
  };
}

/** In milliseconds, to a tenth. */
function latencyAt(sorted: number[], q: number): number {
  return Math.round(percentile(sorted, q) * 10) / 10;
}

async function run(request: LoadRequest): Promise<LoadResult> {
  const latencies: number[] = [];
  const errorSamples = new Set<string>();
  const url = new URL(request.url);
  let instance: autocannon.Instance | undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: url.origin,
        connections: request.connections,
        duration: request.durationSeconds,
        timeout: 10,
        requests: WORKLOADS[request.operation].requests(request.fixtures, authorizer(request.auth, request.secrets)),
        verifyBody: (body) => {
          const text = String(body ?? '');
          if (!text.includes('"errors"')) return true;
          if (errorSamples.size < 3) errorSamples.add(text.slice(0, 300));
          return false;
        },
      },
      (error, result) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(result)),
    );
  });
  instance?.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  const result = await done;
  latencies.sort((a, b) => a - b);
  const seconds = result.duration;
  return {
    requests: latencies.length,
    durationSeconds: seconds,
    requestsPerSecond: Math.round((latencies.length / seconds) * 10) / 10,
    latencyMs: {
      p50: latencyAt(latencies, 0.5),
      p95: latencyAt(latencies, 0.95),
      p99: latencyAt(latencies, 0.99),
      max: latencyAt(latencies, 1),
    },
    errors: result.mismatches + result.errors + result.timeouts,
    non2xx: result.non2xx,
    errorSamples: [...errorSamples],
  };
}

process.on('message', (message: LoadRequest) => {
  if (message.type !== 'run') return;
  run(message).then(
    (result) => process.send?.({ type: 'result', result }),
    (error: Error) => process.send?.({ type: 'error', message: error.stack ?? String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
