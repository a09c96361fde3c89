// Identical queries in flight at the same time, from the same caller, run once: the others wait
// for that run and get its answer. A dashboard polled by many tabs, a page many clients load at
// the same moment, or a retry storm then cost one execution (query planning, every subgraph
// fetch, shaping the result) instead of one each.
//
// What a joining query may see: the answer of an execution that started before it did, never
// one that started before a mutation this gateway completed since (every mutation closes the
// window: later queries start afresh). A write made elsewhere (another gateway replica, an event
// consumer) while the shared execution runs is seen by the next query, as it would be by a query
// that had arrived a moment earlier.
import type { ApolloGateway } from '@apollo/gateway';
import { OperationTypeNode } from 'graphql';
import type { GatewayContext } from './auth';

type Executor = NonNullable<Awaited<ReturnType<ApolloGateway['load']>>['executor']>;
type RequestContext = Parameters<Executor>[0];
type ExecutionResult = Awaited<ReturnType<Executor>>;

export interface CoalescingStats {
  /** Queries that joined an identical one instead of running. */
  onJoined(): void;
}

export function coalesceQueries(executor: Executor, stats: CoalescingStats): Executor {
  const inFlight = new Map<string, { promise: Promise<ExecutionResult>; epoch: number }>();
  // Counts completed mutations; an execution started in an older epoch takes no new joiners.
  let epoch = 0;
  return async (requestContext) => {
    if (requestContext.operation.operation !== OperationTypeNode.QUERY) {
      try {
        return await executor(requestContext);
      } finally {
        if (requestContext.operation.operation === OperationTypeNode.MUTATION) epoch += 1;
      }
    }
    const key = coalescingKey(requestContext);
    const running = inFlight.get(key);
    if (running && running.epoch === epoch) {
      stats.onJoined();
      // A copy: Apollo Server may add to a result's top level, never to what it holds.
      return { ...(await running.promise) };
    }
    const promise = executor(requestContext);
    const entry = { promise, epoch };
    inFlight.set(key, entry);
    try {
      return await promise;
    } finally {
      if (inFlight.get(key) === entry) inFlight.delete(key);
    }
  };
}

/** Same operation text, operation name, variables and caller: the same answer. */
function coalescingKey({ queryHash, operationName, request, context }: RequestContext): string {
  const identity = (context as GatewayContext).viewer.identity;
  const caller = identity ? `${identity.role}:${identity.userId}` : 'anonymous';
  return `${caller}\n${queryHash}\n${operationName ?? ''}\n${JSON.stringify(request.variables ?? {})}`;
}

/** The gateway as Apollo Server sees it, with coalescing around its executor. */
export function withQueryCoalescing(
  gateway: ApolloGateway,
  stats: CoalescingStats,
): Pick<ApolloGateway, 'load' | 'onSchemaLoadOrUpdate' | 'stop'> {
  return {
    load: async (options) => {
      const loaded = await gateway.load(options);
      return { ...loaded, executor: loaded.executor && coalesceQueries(loaded.executor, stats) };
    },
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
  };
}
