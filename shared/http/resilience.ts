// Every call to another service of ours (the gateway's subgraph fetches, service-to-service
// calls) goes through one policy per target service:
// - a circuit breaker: after CIRCUIT_BREAKER_FAILURES failures in a row the target is not called
//   at all for CIRCUIT_BREAKER_RESET_MS, so a dead service costs callers nothing but a coded
//   error; then one call probes it, and a success closes the circuit (recovery needs no restart).
//   It guards against a service that is down, broken or hung, not against one slow operation, so
//   what counts as a failure depends on the operation (countsAgainstCircuit): a mutation that
//   times out neither counts nor resets the count;
// - one retry, only where it cannot do harm: a request that never reached the target (refused
//   connection, connect timeout), or an idempotent one whose connection broke. A timed-out call is
//   never retried: a slow service gets no extra load.
// Failures surface as SERVICE_UNAVAILABLE errors naming the service and why.
import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  ConstantBackoff,
  handleWhen,
  retry,
  wrap,
  type CircuitBreakerPolicy,
  type IPolicy,
} from 'cockatiel';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EnvReader } from '../env';
import { serviceUnavailable } from '../errors';
import type { Logger } from '../logger';
import { sharedMetric } from '../metrics';
import { failureReason, type HttpReply } from './http-client';

export interface BreakerConfig {
  /** Consecutive failures that open the circuit. */
  failures: number;
  /** How long an open circuit rejects calls before it lets one probe through. */
  resetMs: number;
}

export function readBreakerConfig(env: EnvReader): BreakerConfig {
  return {
    failures: env.int('CIRCUIT_BREAKER_FAILURES'),
    resetMs: env.int('CIRCUIT_BREAKER_RESET_MS'),
  };
}

export interface CallOptions {
  /**
   * Whether sending the request twice is harmless (a query, as opposed to a mutation): it decides
   * whether a broken connection is retried and whether a timeout counts against the circuit.
   * Asked only when a call failed after its request may have been delivered, so it may be costly
   * (it may parse the request).
   */
  idempotent: () => boolean;
}

export interface ServiceCallsOptions {
  /** The service called: metric label and error text. */
  service: string;
  breaker: BreakerConfig;
  logger: Logger;
  /** Where the call metrics go; none without. */
  registry?: Registry;
}

/** The calls of this process to one service. */
export class ServiceCalls {
  private readonly breaker: CircuitBreakerPolicy;
  /** Retry outside the breaker: each attempt counts as a call. Built once: runs on every call. */
  private readonly policy: IPolicy;
  private readonly metrics?: CallMetrics;

  constructor(private readonly options: ServiceCallsOptions) {
    const { service, breaker, logger, registry } = options;
    this.breaker = circuitBreaker(handleWhen(countsAgainstCircuit), {
      halfOpenAfter: breaker.resetMs,
      breaker: new ConsecutiveBreaker(breaker.failures),
    });
    this.policy = wrap(
      retry(
        handleWhen((error) => neverDelivered(error) || error instanceof RetryableBreak),
        { maxAttempts: 1, backoff: new ConstantBackoff(50) },
      ),
      this.breaker,
    );
    this.metrics = registry && callMetrics(registry);
    this.breaker.onStateChange((state) => {
      this.metrics?.state.set({ subgraph: service }, STATE_VALUES[state]);
      if (state === CircuitState.Open) logger.warn({ service }, 'circuit opened: calls fail fast until a probe succeeds');
      if (state === CircuitState.Closed) logger.info({ service }, 'circuit closed: service reachable again');
    });
    this.metrics?.state.set({ subgraph: service }, STATE_VALUES[CircuitState.Closed]);
  }

  /**
   * Runs `send` under the policy. A 5xx answer counts as a failure and is not returned; any
   * failure becomes a SERVICE_UNAVAILABLE GraphQLError.
   */
  async run(send: () => Promise<HttpReply>, { idempotent }: CallOptions): Promise<HttpReply> {
    const { service, logger } = this.options;
    const started = performance.now();
    try {
      const reply = await this.policy.execute(async () => {
        const reply = await send().catch((error: unknown) => {
          // Whether a broken connection may be retried, and whether a timeout counts, depends on
          // this request, known only here.
          if (!(error instanceof Error)) throw error;
          if (brokenConnection(error) && idempotent()) throw new RetryableBreak(error);
          if (failureReason(error) === 'timed out' && !neverDelivered(error) && !idempotent()) throw new UncountedTimeout(error);
          throw error;
        });
        if (reply.status < 500) return reply;
        // Read to the end, so the connection goes back to the pool.
        await reply.text().catch(() => undefined);
        throw new ServerError(reply.status);
      });
      const seconds = (performance.now() - started) / 1000;
      this.metrics?.duration.observe({ subgraph: service, outcome: 'success' }, seconds);
      logger.debug({ service, status: reply.status, duration_ms: Math.round(seconds * 10_000) / 10 }, 'service call answered');
      return reply;
    } catch (error) {
      const reason = reasonOf(error);
      this.metrics?.duration.observe({ subgraph: service, outcome: 'failure' }, (performance.now() - started) / 1000);
      this.metrics?.errors.inc({ subgraph: service, reason });
      // An open circuit fails every call: logging each would flood the log.
      if (reason !== 'circuit open') logger.warn({ err: error, service }, 'service call failed');
      throw serviceUnavailable(service, reason);
    }
  }
}

class ServerError extends Error {
  constructor(readonly status: number) {
    super(`answered HTTP ${status}`);
  }
}

/** A broken connection under an idempotent request: worth one more attempt. */
class RetryableBreak extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

/** A mutation that was delivered and not answered in time: see countsAgainstCircuit. */
class UncountedTimeout extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

/**
 * What opens the circuit, by operation type:
 * - any operation: the service unreachable (refused, reset or timed-out connection, unknown
 *   host) or answering 5xx: it is down or broken for every operation;
 * - a query: no answer within the timeout as well: reads are what a hung service fails first, and
 *   failing them fast is what the circuit is for;
 * - a mutation: not a timeout. It was delivered and may have been committed, so the caller must
 *   find out anyway; and a mutation is slow because of what it does (a dependency of its own, a
 *   lock), which says nothing about the service's other operations. It resets nothing either: a
 *   hung service's queries still open the circuit. Cockatiel closes a half-open circuit on an
 *   error that does not count, so such a mutation as the probe closes it (the service took it).
 */
function countsAgainstCircuit(error: Error): boolean {
  return !(error instanceof UncountedTimeout);
}

function reasonOf(error: unknown): string {
  if (error instanceof BrokenCircuitError) return 'circuit open';
  if (error instanceof ServerError) return error.message;
  return failureReason(error instanceof RetryableBreak || error instanceof UncountedTimeout ? error.cause : error);
}

const codeOf = (error: Error): unknown => (error as { code?: unknown }).code;

/** The request never left this process: a refused or timed-out connection attempt. */
function neverDelivered(error: Error): boolean {
  const code = codeOf(error);
  return code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'EAI_AGAIN';
}

/** The connection broke under the request: it may or may not have been handled. */
function brokenConnection(error: Error): boolean {
  const code = codeOf(error);
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET';
}

const STATE_VALUES: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.HalfOpen]: 1,
  [CircuitState.Open]: 2,
  [CircuitState.Isolated]: 2,
};

interface CallMetrics {
  duration: Histogram<'subgraph' | 'outcome'>;
  errors: Counter<'subgraph' | 'reason'>;
  state: Gauge<'subgraph'>;
}

/** One set per registry, shared by the policies of every target service. */
function callMetrics(registry: Registry): CallMetrics {
  return {
    duration: sharedMetric(
      registry,
      'subgraph_fetch_duration_seconds',
      (name) =>
        new Histogram({
          name,
          help: 'Calls to a subgraph, from the first attempt to the answer or the failure (retry included).',
          labelNames: ['subgraph', 'outcome'],
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          registers: [registry],
        }),
    ),
    errors: sharedMetric(
      registry,
      'subgraph_fetch_errors_total',
      (name) =>
        new Counter({
          name,
          help: 'Failed calls to a subgraph, by reason: timed out, unreachable, answered HTTP 5xx, circuit open.',
          labelNames: ['subgraph', 'reason'],
          registers: [registry],
        }),
    ),
    state: sharedMetric(
      registry,
      'circuit_breaker_state',
      (name) =>
        new Gauge({
          name,
          help: 'Circuit breaker per called subgraph: 0 closed, 1 half-open (probing), 2 open (failing fast).',
          labelNames: ['subgraph'],
          registers: [registry],
        }),
    ),
  };
}
