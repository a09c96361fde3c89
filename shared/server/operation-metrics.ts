// Count and latency of GraphQL operations by name, on every service: one histogram observed once
// per request (no per-resolver hooks). Operation names come from clients, so the label is bounded:
// a process admits at most a fixed number of distinct names, and everything beyond shares one.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { Histogram, type Registry } from 'prom-client';

export const OPERATION_DURATION_METRIC = 'graphql_operation_duration_seconds';

/**
 * The label values that are not operation names. Parenthesised so that no real operation (whose
 * name is a GraphQL name) can share a series with them.
 */
export const OperationLabel = {
  /** An operation without a name. */
  ANONYMOUS: '(anonymous)',
  /** A name beyond the process's bound, or too long. */
  OTHER: '(other)',
  /** A request that never resolved to an operation: unparseable, invalid, unknown operationName. */
  INVALID: '(invalid)',
} as const;

/** Distinct operation names per process; a deployment's own clients stay well below it. */
export const DEFAULT_MAX_OPERATION_NAMES = 200;
/** Longer names are legal GraphQL, but a metric label that long is somebody's payload. */
const MAX_NAME_LENGTH = 128;
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/**
 * From a couple of milliseconds (a subgraph's entity fetch) to the gateway's default subgraph
 * timeout of ten seconds.
 */
const BUCKETS = [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The operation_name label of each request: names first come, first kept, up to `limit`. */
export class OperationNames {
  private readonly admitted = new Set<string>();

  constructor(private readonly limit = DEFAULT_MAX_OPERATION_NAMES) {}

  label(name: string | null | undefined): string {
    if (!name) return OperationLabel.ANONYMOUS;
    if (this.admitted.has(name)) return name;
    if (name.length > MAX_NAME_LENGTH || !GRAPHQL_NAME.test(name) || this.admitted.size >= this.limit) {
      return OperationLabel.OTHER;
    }
    this.admitted.add(name);
    return name;
  }
}

export type OperationOutcome = 'success' | 'error' | 'invalid';

interface OperationMetrics {
  duration: Histogram<'operation_name' | 'operation_type' | 'outcome'>;
  names: OperationNames;
}

// One histogram and one name bound per registry (one registry per service): a second Apollo
// Server on the same registry must neither register the metric twice nor get a bound of its own.
const byRegistry = new WeakMap<Registry, OperationMetrics>();

function operationMetrics(registry: Registry, maxNames: number): OperationMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = {
      duration: new Histogram({
        name: OPERATION_DURATION_METRIC,
        help: `GraphQL operations handled by this service, from request to response, by operation name (at most ${maxNames} names per process, then "${OperationLabel.OTHER}"), type and outcome. Its _count is the number of operations.`,
        labelNames: ['operation_name', 'operation_type', 'outcome'],
        buckets: BUCKETS,
        registers: [registry],
      }),
      names: new OperationNames(maxNames),
    };
    byRegistry.set(registry, metrics);
  }
  return metrics;
}

/**
 * Observes every GraphQL request once, when its response is sent. Subscriptions the gateway serves
 * over graphql-ws are not requests here (see `subscriptions_active`); the queries it runs to
 * resolve their events are.
 */
export function operationMetricsPlugin<TContext extends BaseContext>(
  registry: Registry,
  { maxNames = DEFAULT_MAX_OPERATION_NAMES }: { maxNames?: number } = {},
): ApolloServerPlugin<TContext> {
  const { duration, names } = operationMetrics(registry, maxNames);
  return {
    async requestDidStart() {
      const stopTimer = duration.startTimer();
      return {
        async willSendResponse({ operation, response }) {
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          // No operation: it never parsed, failed validation or named none the document has.
          const outcome: OperationOutcome = !operation ? 'invalid' : errors?.length ? 'error' : 'success';
          stopTimer({
            operation_name: operation ? names.label(operation.name?.value) : OperationLabel.INVALID,
            operation_type: operation?.operation ?? 'unknown',
            outcome,
          });
        },
      };
    },
  };
}
