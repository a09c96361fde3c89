// Delivers order status changes to subscribers. Subscribers with the same operation, variables
// and visibility form a group, and a change is resolved through the supergraph once per group,
// however many subscribers the group has: 1,000 clients watching one order cost one query per
// change, not 1,000. Changes of one order are delivered in order; a change is delivered once even
// if the event bus delivers it twice.
import { GraphQLError, type ExecutionResult } from 'graphql';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Viewer } from '../../shared/auth/identity';
import type { EventEnvelope } from '../../shared/events/contracts';
import type { Logger } from '../../shared/logger';
import { Channel } from './channel';
import { CHANGE_ID_VARIABLE, type EventQuery } from './event-query';

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

/** Resolves one change for a group: runs the group's query through the gateway as its audience. */
export type ResolveChange = (query: EventQuery, changeId: string, audience: Audience) => Promise<ExecutionResult>;

/** The hub every transport of the gateway subscribes through. */
export function createSubscriptionHub(runQuery: RunQuery, logger: Logger, registry: Registry): SubscriptionHub {
  return new SubscriptionHub(
    (query, changeId, audience) =>
      runQuery(audience.viewer, query.query, { ...query.variables, [CHANGE_ID_VARIABLE]: changeId }, query.operationName),
    logger,
    hubMetrics(registry),
  );
}

function hubMetrics(registry: Registry): HubMetrics {
  const resolutions = new Counter({
    name: 'subscription_resolutions_total',
    help: 'Order status changes resolved through the supergraph for subscribers (once per group of identical subscriptions).',
    registers: [registry],
  });
  const active = new Gauge({ name: 'subscriptions_active', help: 'Open subscriptions on this gateway.', registers: [registry] });
  return { onResolution: () => resolutions.inc(), onSubscriberCount: (count: number) => active.set(count) };
}

interface Group {
  key: string;
  query: EventQuery;
  audience: Audience;
  /** Subscribers by the order they watch; "*" for all orders. */
  byOrder: Map<string, Set<Channel<ExecutionResult>>>;
  size: number;
}

export interface HubMetrics {
  onResolution(): void;
  onSubscriberCount(count: number): void;
}

const ALL_ORDERS = '*';
const REMEMBERED_EVENTS = 10_000;

export class SubscriptionHub {
  private readonly groups = new Map<string, Group>();
  private readonly seen = new Set<string>();
  private readonly chains = new Map<string, Promise<void>>();
  private subscribers = 0;

  constructor(
    private readonly resolve: ResolveChange,
    private readonly logger: Logger,
    private readonly metrics: HubMetrics,
  ) {}

  get subscriberCount(): number {
    return this.subscribers;
  }

  subscribe(query: EventQuery, audience: Audience): AsyncIterableIterator<ExecutionResult> {
    const key = `${audience.visibilityKey}\n${query.query}\n${JSON.stringify(query.variables)}`;
    let group = this.groups.get(key);
    if (!group) {
      group = { key, query, audience, byOrder: new Map(), size: 0 };
      this.groups.set(key, group);
    }
    const slot = query.orderId ?? ALL_ORDERS;
    const members = group.byOrder.get(slot) ?? new Set();
    group.byOrder.set(slot, members);
    const joined = group;
    const channel = new Channel<ExecutionResult>(() => {
      members.delete(channel);
      if (!members.size) joined.byOrder.delete(slot);
      joined.size -= 1;
      if (!joined.size) this.groups.delete(joined.key);
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
    const { orderId } = event.payload;
    // Chained per order: a later change of the same order is delivered after an earlier one,
    // while changes of different orders resolve in parallel.
    const previous = this.chains.get(orderId) ?? Promise.resolve();
    const next = previous.then(() => this.deliver(event));
    this.chains.set(orderId, next);
    void next.finally(() => {
      if (this.chains.get(orderId) === next) this.chains.delete(orderId);
    });
  }

  private async deliver(event: StatusChangeEvent): Promise<void> {
    const { orderId, changeId } = event.payload;
    await Promise.all(
      [...this.groups.values()].map(async (group) => {
        const audience = [...(group.byOrder.get(orderId) ?? []), ...(group.byOrder.get(ALL_ORDERS) ?? [])];
        if (!audience.length || !group.audience.canSee(event)) return;
        let result: ExecutionResult;
        try {
          this.metrics.onResolution();
          result = await this.resolve(group.query, changeId, group.audience);
        } catch (error) {
          this.logger.error({ err: error, changeId }, 'could not resolve an order status change');
          result = { errors: [new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };
        }
        for (const channel of audience) channel.push(result);
      }),
    );
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
