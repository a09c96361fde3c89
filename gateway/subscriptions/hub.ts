// Delivers order status changes to subscribers. Subscribers with the same operation, variables
// and visibility form a group, and a change is resolved once per group, however many subscribers
// the group has: 1,000 clients watching one order cost one resolution per change, not 1,000.
//
// A group resolves its changes through the supergraph one query at a time: changes that arrive
// while a query is in flight wait, and the next query resolves all of them at once
// (batch-query.ts), so a burst of changes costs a few queries, not one per change. A selection
// that reads only what the event carries is executed against the event, with no query at all.
// Changes of one order are delivered in order; a change is delivered once even if the event bus
// delivers it twice.
import { executeSync, GraphQLError, type ExecutionResult, type GraphQLFieldResolver } from 'graphql';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Viewer } from '../../shared/auth/identity';
import type { EventEnvelope } from '../../shared/events/contracts';
import { ErrorCode } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { batchRequest, bucketSize, MAX_BATCH, maxBatchSize, splitBatch, type BatchableQuery } from './batch-query';
import { Channel } from './channel';
import { CHANGE_ID_VARIABLE, type EventQuery, type OrderQuery } from './event-query';

export type StatusChangeEvent = EventEnvelope<'OrderStatusChanged'>;

/** Who is subscribing, as far as deciding which changes they may see. */
export interface Audience {
  /** Subscribers sharing a key see the same data ("admin", "user:<id>"). */
  visibilityKey: string;
  /** The subscriber, whose identity resolves each change, so subgraphs apply their own rules. */
  viewer: Viewer;
  /** Whether this audience may see changes of this order: filtered before anything resolves. */
  canSee(event: StatusChangeEvent): boolean;
}

/** Administrators see every order's changes; a customer those of their own orders. */
export function audienceOf(viewer: Viewer): Audience {
  const { userId } = viewer.requireSignedIn();
  return viewer.isAdmin
    ? { visibilityKey: 'admin', viewer, canSee: () => true }
    : { visibilityKey: `user:${userId}`, viewer, canSee: (event) => event.payload.userId === userId };
}

/** Runs an operation through the gateway's own pipeline (plans, limits, error masking) as `viewer`. */
export type RunQuery = (
  viewer: Viewer,
  query: string,
  variables: Record<string, unknown>,
  operationName?: string,
) => Promise<ExecutionResult>;

export interface HubOptions {
  /**
   * Whether each new operation's batch queries are planned ahead (true by default). Apollo plans a
   * query text the first time it runs it, which takes the gateway 50 to 200 ms for a batch: paid
   * by the first changes of a burst otherwise, just when they are late already.
   */
  warmPlans?: boolean;
}

/** The hub every transport of the gateway subscribes through. */
export function createSubscriptionHub(
  runQuery: RunQuery,
  logger: Logger,
  registry: Registry,
  options: HubOptions = {},
): SubscriptionHub {
  return new SubscriptionHub(runQuery, logger, hubMetrics(registry), options);
}

/** What a group's queries batch: its order part when that is fetched alone, else the whole change. */
function batchable(query: EventQuery): BatchableQuery {
  return query.orderQuery ? { ...query.orderQuery, variables: query.variables } : query;
}

/**
 * The change and its order's fields by name, as the event and the schema have them; what is under
 * the order by response key, as it was fetched with the client's aliases.
 */
const readFetched: GraphQLFieldResolver<unknown, unknown> = (source, _args, _context, info) => {
  const object = source as Record<string, unknown>;
  return info.parentType.name === 'OrderStatusChange' || info.parentType === info.schema.getQueryType()
    ? object[info.fieldName]
    : object[info.path.key];
};

function hubMetrics(registry: Registry): HubMetrics {
  const resolutions = new Counter({
    name: 'subscription_resolutions_total',
    help: 'Queries through the supergraph resolving order status changes for subscribers (one per batch of changes of a group of identical subscriptions).',
    registers: [registry],
  });
  const batchSizes = new Histogram({
    name: 'subscription_resolution_changes',
    help: 'Order status changes resolved by one query through the supergraph.',
    buckets: [1, 2, 4, 8, MAX_BATCH],
    registers: [registry],
  });
  const fromEvent = new Counter({
    name: 'subscription_event_resolutions_total',
    help: 'Order status changes resolved from the event alone, without a query (once per group of identical subscriptions).',
    registers: [registry],
  });
  const active = new Gauge({ name: 'subscriptions_active', help: 'Open subscriptions on this gateway.', registers: [registry] });
  const lag = new Histogram({
    name: 'subscription_delivery_lag_seconds',
    help: "Time from an order status change's commit (its `at`) to each step of its delivery: read from the stream, resolved for a group, written to every socket of the group. Across machines it includes their clock skew.",
    labelNames: ['step'],
    buckets: [0.002, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const warmUps = new Counter({
    name: 'subscription_plan_warmups_total',
    help: 'Batch queries run once with no change (an id that matches none) so that Apollo plans them before a change needs them.',
    registers: [registry],
  });
  const groups = new Gauge({
    name: 'subscription_groups_active',
    help: 'Groups of identical subscriptions (same operation, variables and visibility) on this gateway.',
    registers: [registry],
  });
  return {
    onResolution: (changes) => {
      resolutions.inc();
      batchSizes.observe(changes);
    },
    onEventResolution: () => fromEvent.inc(),
    onWarmUp: () => warmUps.inc(),
    onSubscriberCount: (count) => active.set(count),
    onGroupCount: (count) => groups.set(count),
    onStep: (step, event) => lag.observe({ step }, (Date.now() - Date.parse(event.payload.at)) / 1_000),
  };
}

export interface HubMetrics {
  /** A query through the supergraph resolving `changes` changes. */
  onResolution(changes: number): void;
  /** A change resolved from its event, without a query. */
  onEventResolution(): void;
  /** A batch query planned ahead (run with an id that matches no change). */
  onWarmUp(): void;
  onSubscriberCount(count: number): void;
  onGroupCount(count: number): void;
  /** `event` reached `step` of its delivery (for one group, except "read"). */
  onStep(step: DeliveryStep, event: StatusChangeEvent): void;
}

export type DeliveryStep = 'read' | 'resolved' | 'written';

type Subscriber = Channel<ExecutionResult>;

/** A change waiting for its group's next query, with the subscribers it goes to. */
interface PendingChange {
  event: StatusChangeEvent;
  audience: Subscriber[];
}

interface Group {
  key: string;
  query: EventQuery;
  audience: Audience;
  /** Subscribers by the order they watch; "*" for all orders. */
  byOrder: Map<string, Set<Subscriber>>;
  size: number;
  /** Changes waiting for the query in flight to end, oldest first. */
  pending: PendingChange[];
  /** Whether a query of this group is in flight (or about to start): at most one is. */
  resolving: boolean;
  /** The largest batch its query may resolve: see maxBatchSize, halved if a subgraph refused one. */
  maxBatch: number;
}

const ALL_ORDERS = '*';
const REMEMBERED_EVENTS = 10_000;
/** Operations whose batch queries have been planned ahead; beyond it the oldest are planned again. */
const REMEMBERED_PLANS = 1_000;
/**
 * What a warm-up resolves: not an id at all, so the order subgraph refuses it (BAD_USER_INPUT)
 * before any SQL, while the gateway has planned the whole batch query all the same.
 */
const NO_CHANGE = 'plan-warm-up';

/** Subgraph refusals of a batch for its size: the same changes in smaller batches may pass. */
const TOO_LARGE = new Set<unknown>([ErrorCode.TOO_MANY_ALIASES, ErrorCode.QUERY_TOO_COSTLY, ErrorCode.PAYLOAD_TOO_LARGE]);

export class SubscriptionHub {
  private readonly groups = new Map<string, Group>();
  /** Groups with subscribers of one order, by that order: a change looks only at its watchers. */
  private readonly watching = new Map<string, Set<Group>>();
  /** Groups with subscribers of every order they may see. */
  private readonly watchingAll = new Set<Group>();
  private readonly seen = new Set<string>();
  /** Query texts whose batches are planned, or being planned. */
  private readonly planned = new Set<string>();
  private subscribers = 0;

  constructor(
    private readonly runQuery: RunQuery,
    private readonly logger: Logger,
    private readonly metrics: HubMetrics,
    private readonly options: HubOptions = {},
  ) {}

  get subscriberCount(): number {
    return this.subscribers;
  }

  get groupCount(): number {
    return this.groups.size;
  }

  subscribe(query: EventQuery, audience: Audience): AsyncIterableIterator<ExecutionResult> {
    const key = `${audience.visibilityKey}\n${query.query}\n${JSON.stringify(query.variables)}`;
    let group = this.groups.get(key);
    if (!group) {
      group = {
        key,
        query,
        audience,
        byOrder: new Map(),
        size: 0,
        pending: [],
        resolving: false,
        maxBatch: maxBatchSize(batchable(query)),
      };
      this.groups.set(key, group);
      this.metrics.onGroupCount(this.groups.size);
      if (!query.fromEvent && this.options.warmPlans !== false) void this.warmPlans(group);
    }
    const joined = group;
    const slot = query.orderId ?? ALL_ORDERS;
    let members = group.byOrder.get(slot);
    if (!members) {
      members = new Set();
      group.byOrder.set(slot, members);
      this.index(slot, group, true);
    }
    const slotMembers = members;
    const channel: Subscriber = new Channel<ExecutionResult>(() => {
      slotMembers.delete(channel);
      if (!slotMembers.size) {
        joined.byOrder.delete(slot);
        this.index(slot, joined, false);
      }
      joined.size -= 1;
      if (!joined.size) {
        this.groups.delete(joined.key);
        this.metrics.onGroupCount(this.groups.size);
      }
      this.setSubscribers(this.subscribers - 1);
    });
    members.add(channel);
    group.size += 1;
    this.setSubscribers(this.subscribers + 1);
    return channel;
  }

  /** Called for every status change read from the event stream. */
  publish(event: StatusChangeEvent): void {
    if (this.seen.has(event.id)) return;
    this.remember(event.id);
    this.metrics.onStep('read', event);
    const { orderId } = event.payload;
    const watchers = this.watching.get(orderId);
    if (watchers) for (const group of watchers) this.offer(group, event);
    for (const group of this.watchingAll) if (!watchers?.has(group)) this.offer(group, event);
  }

  private offer(group: Group, event: StatusChangeEvent): void {
    if (!group.audience.canSee(event)) return;
    const audience = [...(group.byOrder.get(event.payload.orderId) ?? []), ...(group.byOrder.get(ALL_ORDERS) ?? [])];
    if (!audience.length) return;
    if (group.query.fromEvent) {
      // Synchronous: delivered in the order the stream has them, like every other change.
      this.deliver(event, audience, this.fromEvent(group.query, event));
      return;
    }
    group.pending.push({ event, audience });
    if (group.resolving) return;
    group.resolving = true;
    // After the current task: every change of one stream read joins the same first query.
    queueMicrotask(() => void this.drain(group));
  }

  /** Resolves the group's pending changes, a batch per query, one query at a time, oldest first. */
  private async drain(group: Group): Promise<void> {
    try {
      while (group.pending.length) {
        const batch = group.pending.splice(0, group.maxBatch);
        const results = await this.resolve(group, batch);
        batch.forEach((change, index) => this.deliver(change.event, change.audience, results[index]!));
      }
    } finally {
      group.resolving = false;
    }
  }

  private async resolve(group: Group, batch: PendingChange[]): Promise<ExecutionResult[]> {
    const { query, audience } = group;
    const part = query.orderQuery;
    // The order part alone: once per order, however many of its changes the batch holds.
    const ids = part
      ? [...new Set(batch.map(({ event }) => event.payload.orderId))]
      : batch.map(({ event }) => event.payload.changeId);
    const { text, variables } = batchRequest(batchable(query), ids);
    let result: ExecutionResult;
    try {
      this.metrics.onResolution(batch.length);
      result = await this.runQuery(audience.viewer, text, variables, query.operationName);
    } catch (error) {
      this.logger.error(
        { err: error, changes: batch.map(({ event }) => event.payload.changeId) },
        'could not resolve order status changes',
      );
      const failed = {
        errors: [new GraphQLError('Internal server error', { extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } })],
      };
      return batch.map(() => failed);
    }
    const size = bucketSize(batch.length);
    if (size > 1 && result.errors?.some((error) => TOO_LARGE.has(error.extensions?.code))) {
      // A subgraph's own limits (aliases, cost, body size) are not known here: the group's batches
      // shrink until they pass, and stay that size.
      group.maxBatch = Math.min(group.maxBatch, size / 2);
      this.logger.warn(
        { size, maxBatch: group.maxBatch },
        'a subgraph refused a batch of order status changes; resolving smaller batches',
      );
      const results: ExecutionResult[] = [];
      for (let start = 0; start < batch.length; start += group.maxBatch) {
        results.push(...(await this.resolve(group, batch.slice(start, start + group.maxBatch))));
      }
      return results;
    }
    if (!part) return splitBatch(result, batch.length, query.responseKey);
    const orders = splitBatch(result, ids.length, part.responseKey);
    const byOrder = new Map(ids.map((id, index) => [id, orders[index]!]));
    return batch.map(({ event }) => this.assemble(query, part, event, byOrder.get(event.payload.orderId)!));
  }

  /** A change from its event's fields and its order as fetched, shaped by the client's selection. */
  private assemble(query: EventQuery, part: OrderQuery, event: StatusChangeEvent, fetched: ExecutionResult): ExecutionResult {
    // The query failed as a whole: its errors, as a query for the whole change would have had.
    if (fetched.data === undefined) return fetched;
    const order = fetched.data?.[part.responseKey] ?? null;
    const local = this.execute(query, event, order, readFetched);
    // The order's errors are where the order is in the change: under the change's response key.
    const errors = [
      ...(fetched.errors ?? []).map((error) =>
        error.path
          ? new GraphQLError(error.message, { path: [query.responseKey, ...error.path], extensions: error.extensions })
          : error,
      ),
      ...(local.errors ?? []),
    ];
    return {
      data: local.data,
      ...(errors.length && { errors }),
      ...(fetched.extensions && { extensions: fetched.extensions }),
    };
  }

  /** Runs each batch size of the group's query once, smallest first, so that Apollo has planned it. */
  private async warmPlans({ query, audience, maxBatch }: Group): Promise<void> {
    if (this.planned.has(query.query)) return;
    this.planned.add(query.query);
    if (this.planned.size > REMEMBERED_PLANS) this.planned.delete(this.planned.values().next().value!);
    for (let size = 1; size <= maxBatch; size *= 2) {
      const { text, variables } = batchRequest(batchable(query), Array<string>(size).fill(NO_CHANGE));
      this.metrics.onWarmUp();
      try {
        await this.runQuery(audience.viewer, text, variables, query.operationName);
      } catch (error) {
        // Nothing lost: the first batch of this size is planned when it runs.
        this.logger.warn({ err: error, size }, 'could not plan a batch of order status changes ahead');
        return;
      }
    }
  }

  /** The change as the group's operation selects it, from the event's own fields. */
  private fromEvent(query: EventQuery, event: StatusChangeEvent): ExecutionResult {
    this.metrics.onEventResolution();
    return this.execute(query, event, undefined);
  }

  /** Runs the group's query against the change its event describes (with `order` when fetched). */
  private execute(
    query: EventQuery,
    event: StatusChangeEvent,
    order: unknown,
    fieldResolver?: GraphQLFieldResolver<unknown, unknown>,
  ): ExecutionResult {
    const { changeId, orderId, from, to, at, reason, version } = event.payload;
    return executeSync({
      schema: query.schema,
      document: query.document,
      operationName: query.operationName,
      variableValues: { ...query.variables, [CHANGE_ID_VARIABLE]: changeId },
      // The API schema has no resolvers: each field reads the property of its name.
      rootValue: { orderStatusChange: { id: changeId, orderId, from, to, at, reason, version, order } },
      ...(fieldResolver && { fieldResolver }),
    });
  }

  private deliver(event: StatusChangeEvent, audience: readonly Subscriber[], result: ExecutionResult): void {
    this.metrics.onStep('resolved', event);
    for (const channel of audience) channel.push(result);
    // Each transport writes its frame in the microtasks the pushes start: by the next turn of the
    // event loop every socket of the group has been written to.
    setImmediate(() => this.metrics.onStep('written', event));
  }

  private index(slot: string, group: Group, add: boolean): void {
    if (slot === ALL_ORDERS) {
      if (add) this.watchingAll.add(group);
      else this.watchingAll.delete(group);
      return;
    }
    let groups = this.watching.get(slot);
    if (add) {
      if (!groups) this.watching.set(slot, (groups = new Set()));
      groups.add(group);
    } else if (groups) {
      groups.delete(group);
      if (!groups.size) this.watching.delete(slot);
    }
  }

  private remember(id: string): void {
    this.seen.add(id);
    if (this.seen.size > REMEMBERED_EVENTS) {
      // Sets iterate in insertion order: the first is the oldest.
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }

  private setSubscribers(count: number): void {
    this.subscribers = count;
    this.metrics.onSubscriberCount(count);
  }
}
