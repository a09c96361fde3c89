// Order status changes as this process hears of them, for the subscriptions open on it (routers
// pass `orderStatusChanged` through to this subgraph over graphql-ws). One tail of the order
// stream per process, on Redis or the in-process bus, whichever the bus is; each event goes, in
// memory, to every open subscription whose filter takes it. The tail delivers one stream in order
// and each subscription is a queue, so the changes of one order reach a subscriber in order.
import type { OrderStatusChange } from '../../prisma/order/generated/client';
import { GraphQLError } from 'graphql';
import { Gauge, type Registry } from 'prom-client';
import type { EventBus, Worker } from '../../shared/events/bus';
import type { EventEnvelope, EventPayloads } from '../../shared/events/contracts';
import { ErrorCode } from '../../shared/errors';

export type StatusChangedPayload = EventPayloads['OrderStatusChanged'];

/** The bus delivers at least once: ids of this many recent events are remembered, to drop repeats. */
const REMEMBERED_EVENTS = 10_000;
/** Undelivered changes one subscription may hold before its subscriber counts as gone. */
const SUBSCRIPTION_CAPACITY = 1_000;

export class StatusChangeFeed implements Worker {
  private readonly tail: Worker;
  private readonly subscriptions = new Set<Subscription>();
  private readonly seen = new Set<string>();
  private readonly open: Gauge;

  constructor(bus: EventBus, registry: Registry) {
    this.tail = bus.tail<EventEnvelope>('order', (event) => {
      if (event.type === 'OrderStatusChanged') this.publish(event as EventEnvelope<'OrderStatusChanged'>);
    });
    this.open = new Gauge({
      name: 'order_status_subscriptions_active',
      help: 'orderStatusChanged subscriptions open on this order subgraph instance (passed through by routers).',
      registers: [registry],
    });
  }

  start(): Promise<void> {
    return this.tail.start();
  }

  stop(): Promise<void> {
    return this.tail.stop();
  }

  /**
   * The changes `accepts` takes, from now on, as the rows of the order's status history they are.
   * Registered at once: a change published while the caller is still checking something is kept
   * for it. Ending the iterator (`return()`) unregisters it at once.
   */
  subscribe(accepts: (change: StatusChangedPayload) => boolean): AsyncIterableIterator<OrderStatusChange> {
    const subscription = new Subscription(accepts, () => {
      this.subscriptions.delete(subscription);
      this.open.set(this.subscriptions.size);
    });
    this.subscriptions.add(subscription);
    this.open.set(this.subscriptions.size);
    return subscription;
  }

  private publish(event: EventEnvelope<'OrderStatusChanged'>): void {
    if (this.seen.has(event.id)) return;
    this.seen.add(event.id);
    if (this.seen.size > REMEMBERED_EVENTS) {
      // A Set iterates in insertion order: the first is the oldest.
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    const change = statusChangeOf(event.payload);
    for (const subscription of this.subscriptions) {
      if (subscription.accepts(event.payload)) subscription.push(change);
    }
  }
}

/** The history row an event announces: the event carries every column of it. */
export function statusChangeOf({ changeId, orderId, from, to, at, reason, version }: StatusChangedPayload): OrderStatusChange {
  return { id: changeId, orderId, fromStatus: from, toStatus: to, createdAt: new Date(at), reason, version };
}

/** One subscription: a queue its consumer (graphql-ws, through the executor) pulls from. */
class Subscription implements AsyncIterableIterator<OrderStatusChange> {
  private readonly queue: OrderStatusChange[] = [];
  private waiting: ((result: IteratorResult<OrderStatusChange>) => void) | undefined;
  private closed = false;
  private failure: GraphQLError | undefined;

  constructor(
    readonly accepts: (change: StatusChangedPayload) => boolean,
    private readonly onClose: () => void,
  ) {}

  push(change: OrderStatusChange): void {
    if (this.closed) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: change, done: false });
    } else if (this.queue.length >= SUBSCRIPTION_CAPACITY) {
      // Ended rather than buffered without bound; the client hears why, and may subscribe again.
      this.failure = new GraphQLError('Subscription ended: its client did not keep up with the changes.', {
        extensions: { code: ErrorCode.SERVICE_UNAVAILABLE },
      });
      this.close();
    } else {
      this.queue.push(change);
    }
  }

  async next(): Promise<IteratorResult<OrderStatusChange>> {
    const change = this.queue.shift();
    if (change) return { value: change, done: false };
    if (this.failure) throw this.failure;
    if (this.closed) return { value: undefined, done: true };
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** The client completed the subscription or went away: unregistered now, not at the next change. */
  async return(): Promise<IteratorResult<OrderStatusChange>> {
    this.close();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.({ value: undefined, done: true });
  }
}
