// One service's access to the event bus: the outbox relay that publishes its events, the
// consumer group that handles the events it reacts to, and stream tails for fan-out readers.
// Two transports behind one interface: Redis Streams, shared by every process of a deployment,
// and an in-process bus for when the whole supergraph runs in one process (`npm start` on a
// machine without Redis). The interface only: ./create-event-bus.ts picks the transport, so the
// transports can implement it without importing themselves back.
import type { EntityGenerations } from '../cache/entity-generations';
import type { EventHandlers } from './consumer';
import type { EventEnvelope } from './contracts';
import type { Worker } from './worker';

export interface EventBusConfig {
  /** Redis Streams at this URL; null: the in-process bus (EVENT_BUS=in-process). */
  redisUrl: string | null;
  /** Prefix of every stream and key, so deployments and test runs sharing a Redis stay apart. */
  prefix: string;
  /**
   * Whether this instance relays its outbox (OUTBOX_RELAY=off: it only writes events, and another
   * instance, or its next start, publishes them).
   */
  relay: boolean;
}

export type { Worker } from './worker';

export interface RelayOptions {
  /**
   * Runs before each batch is published; a rejection leaves the batch in the outbox for the next
   * attempt. For what must be done before anyone hears of an event (see entityGenerations).
   */
  beforePublish?(events: EventEnvelope[]): Promise<void>;
}

export type EntityGenerationsRole = 'writer' | 'reader';

/** How far this service's consumer group is behind on one stream it reads. */
export interface ConsumerGroupState {
  stream: string;
  group: string;
  /** Entries not yet delivered to the group; null when Redis cannot tell (before Redis 7, after deletions). */
  lag: number | null;
  /** Entries delivered to a member and not yet acknowledged. */
  pending: number;
}

export interface EventBus {
  /** Publishes this service's outbox (database at `databaseUrl`) to its streams. */
  relay(databaseUrl: string, options?: RelayOptions): Worker;
  /** Handles events of `streams` as a member of the service's consumer group. */
  consumer(streams: string[], handlers: EventHandlers): Worker;
  /** Every event of `stream` from now on, on this instance (no group: each instance sees all). */
  tail<T>(stream: string, onEvent: (event: T) => void): Worker;
  /**
   * Generation counters of cached entities (../cache/entity-generations.ts), on this bus's Redis or
   * in this process, under the same prefix. Like every Redis command, bumps and reads fail at once
   * while Redis is unreachable: the writer then leaves the bump to its outbox relay, and a reader
   * does without its cache until some time after Redis is back. One instance per role, closed
   * with the bus.
   */
  entityGenerations(role: EntityGenerationsRole): EntityGenerations;
  /**
   * The state of this service's consumer group on each stream its consumers read, for metrics;
   * fails fast while the bus is unreachable. The in-process bus has no queue to measure: events
   * wait in the outbox until every group has handled them, so it reports none.
   */
  consumerGroups(): Promise<ConsumerGroupState[]>;
  /** Readiness: throws while the bus is unreachable. */
  checkConnected(): void;
  close(): Promise<void>;
}
