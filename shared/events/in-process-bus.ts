// The event bus inside one process, for when every service runs in it (`npm start` without
// Redis). Same contract as Redis Streams where it matters: each consumer group handles each event
// once, tails see every event, and nothing committed is lost. The outbox stays the durable
// store: publishing resolves only once every consumer group has handled the events, so the relay
// marks them published only then, and anything not yet handled when the process stops is
// published again by the next start (consumers deduplicate by event id).
import type { Logger } from '../logger';
import type { EventEnvelope } from './contracts';
import type { EventHandlers } from './consumer';
import { inProcessEntityGenerations, type EntityGenerations } from '../cache/entity-generations';
import type { ConsumerGroupState, EntityGenerationsRole, EventBus, EventBusConfig, RelayOptions } from './bus';
import { IDLE_WORKER, type Worker } from './worker';
import { OutboxRelay, type EventSink, type OutgoingEvent } from './outbox-relay';
import { streamKey } from './streams';

/** Deliveries of one event to a group before it goes to the dead letters. */
const MAX_DELIVERIES = 5;
const RETRY_DELAY_MS = 100;

type Handle = (event: EventEnvelope) => Promise<void>;

/** A consumer group: the members (instances of one service) take turns. */
class Group {
  readonly members: Handle[] = [];
  private turn = 0;

  constructor(
    readonly name: string,
    private readonly hub: InProcessEventHub,
  ) {}

  async deliver(event: EventEnvelope, logger: Logger): Promise<void> {
    for (let delivery = 1; ; delivery += 1) {
      const member = this.members[this.turn++ % Math.max(this.members.length, 1)];
      // A group whose service stopped keeps its events: the relay leaves them in the outbox.
      if (!member) throw new Error(`no consumer of group ${this.name} is running`);
      try {
        return await member(event);
      } catch (error) {
        logger.error({ err: error, group: this.name, eventId: event.id, type: event.type, delivery }, 'event handler failed');
        if (delivery >= MAX_DELIVERIES) {
          this.hub.deadLetters.push({ group: this.name, event });
          logger.error({ group: this.name, eventId: event.id }, 'event moved to the dead letters');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * 2 ** (delivery - 1)));
      }
    }
  }
}

/** The streams of one process, shared by every service in it. */
export class InProcessEventHub {
  readonly deadLetters: { group: string; event: EventEnvelope }[] = [];
  private readonly groups = new Map<string, Map<string, Group>>();
  private readonly tails = new Map<string, Set<(event: EventEnvelope) => void>>();
  private gate: Promise<void> = Promise.resolve();
  private openGate: (() => void) | undefined;
  private closed = false;

  /**
   * Holds every publication until `open()`: a launcher starting several services holds the hub
   * until all their consumers listen, so events left from the last run reach all of them.
   */
  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  open(): void {
    this.openGate?.();
  }

  /** From now on publishing fails, and events stay in their outboxes (shutdown). */
  close(): void {
    this.closed = true;
    this.open();
  }

  group(key: string, name: string): Group {
    let groups = this.groups.get(key);
    if (!groups) this.groups.set(key, (groups = new Map<string, Group>()));
    let group = groups.get(name);
    if (!group) groups.set(name, (group = new Group(name, this)));
    return group;
  }

  follow(key: string, listener: (event: EventEnvelope) => void): () => void {
    let listeners = this.tails.get(key);
    if (!listeners) this.tails.set(key, (listeners = new Set()));
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** Hands each event to the stream's tails, then to each of its groups; in order. */
  async publish(prefix: string, events: OutgoingEvent[], logger: Logger): Promise<void> {
    await this.gate;
    for (const { stream, envelope } of events) {
      if (this.closed) throw new Error('the in-process event bus is closed');
      const key = streamKey(prefix, stream);
      for (const listener of this.tails.get(key) ?? []) {
        try {
          listener(envelope);
        } catch (error) {
          logger.error({ err: error, stream: key }, 'stream tail failed');
        }
      }
      const groups = [...(this.groups.get(key)?.values() ?? [])];
      await Promise.all(groups.map((group) => group.deliver(envelope, logger)));
    }
  }
}

/** The hub of this process. */
export const inProcessHub = new InProcessEventHub();

export class InProcessEventBus implements EventBus {
  private readonly sink: EventSink;
  private detachWriter: (() => void) | undefined;

  constructor(
    private readonly config: EventBusConfig,
    private readonly service: string,
    private readonly logger: Logger,
    private readonly hub: InProcessEventHub = inProcessHub,
  ) {
    this.sink = {
      publish: (events) => hub.publish(config.prefix, events, logger),
      settled: async (work) => {
        await work?.catch(() => undefined);
      },
    };
  }

  relay(databaseUrl: string, options: RelayOptions = {}): Worker {
    if (!this.config.relay) return IDLE_WORKER;
    return new OutboxRelay({ ...options, databaseUrl, sink: this.sink, logger: this.logger });
  }

  consumer(streams: string[], handlers: EventHandlers): Worker {
    const groups = streams.map((stream) => this.hub.group(streamKey(this.config.prefix, stream), this.service));
    const inFlight = new Set<Promise<void>>();
    const member: Handle = async (event) => {
      const handler = handlers[event.type] as Handle | undefined;
      const handling = handler?.(event) ?? Promise.resolve();
      inFlight.add(handling);
      try {
        await handling;
      } finally {
        inFlight.delete(handling);
      }
    };
    return {
      start: async () => {
        for (const group of groups) group.members.push(member);
      },
      stop: async () => {
        for (const group of groups) {
          const index = group.members.indexOf(member);
          if (index >= 0) group.members.splice(index, 1);
        }
        await Promise.allSettled(inFlight);
      },
    };
  }

  tail<T>(stream: string, onEvent: (event: T) => void): Worker {
    let unfollow: (() => void) | undefined;
    return {
      start: async () => {
        unfollow = this.hub.follow(streamKey(this.config.prefix, stream), onEvent as (event: EventEnvelope) => void);
      },
      stop: async () => unfollow?.(),
    };
  }

  entityGenerations(role: EntityGenerationsRole): EntityGenerations {
    const generations = inProcessEntityGenerations(this.config.prefix);
    if (role === 'writer') this.detachWriter ??= generations.attachWriter();
    return generations;
  }

  async consumerGroups(): Promise<ConsumerGroupState[]> {
    return [];
  }

  checkConnected(): void {}

  async close(): Promise<void> {
    this.detachWriter?.();
  }
}
