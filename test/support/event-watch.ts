// Events in tests on whichever bus the run has: Redis Streams, or the in-process bus where
// there is no Redis server. A test publishes as a producing service's relay would, waits for what
// services announce (Redis: read from the stream's beginning; in-process: everything published
// since the watch began, which a test starts before it acts), and waits for a consumer group to
// have handled what was published.
import type Redis from 'ioredis';
import type { EventEnvelope } from '../../shared/events/contracts';
import { inProcessHub } from '../../shared/events/in-process-bus';
import { streamKey } from '../../shared/events/streams';
import { createLogger } from '../../shared/logger';
import { TEST_REDIS } from './backends';
import { TEST_EVENTS_PREFIX } from './events';
import { connectTestRedis, createCollector, publishEnvelope, waitForEntries, waitForGroupToCatchUp } from './streams';

export interface StreamWatch {
  /** The first event of the stream that `where` accepts, once there is one. */
  next(where: (event: EventEnvelope) => boolean, timeoutMs?: number): Promise<EventEnvelope>;
  /** The first `count` events of the stream that `where` accepts, once there are that many. */
  all(count: number, where: (event: EventEnvelope) => boolean, timeoutMs?: number): Promise<EventEnvelope[]>;
  close(): void;
}

export function watchStream(stream: string): StreamWatch {
  const { all, close } = TEST_REDIS === 'server' ? readFromRedis(stream) : followInProcess(stream);
  return { all, next: async (where, timeoutMs) => (await all(1, where, timeoutMs))[0]!, close };
}

type Watch = Pick<StreamWatch, 'all' | 'close'>;

function readFromRedis(stream: string): Watch {
  const redis = connectTestRedis(`watch:${stream}`);
  return {
    all: async (count, where, timeoutMs) => {
      const entries = await waitForEntries(redis, stream, count, { where: ({ event }) => !!event && where(event), timeoutMs });
      return entries.map((entry) => entry.event!);
    },
    close: () => redis.disconnect(),
  };
}

function followInProcess(stream: string): Watch {
  const events = createCollector<EventEnvelope>();
  const unfollow = inProcessHub.follow(streamKey(TEST_EVENTS_PREFIX, stream), events.push);
  return {
    all: async (count, where, timeoutMs = 5_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.items.filter(where);
        if (found.length >= count) return found.slice(0, count);
        await events.waitFor(events.items.length + 1, Math.max(deadline - Date.now(), 1));
      }
    },
    close: unfollow,
  };
}

export interface EventPublisher {
  /**
   * Publishes `events` on `stream` as the producing service's outbox relay does. In-process this
   * resolves once every consumer group has handled them, as the relay's publishing does.
   */
  publish(stream: string, ...events: EventEnvelope[]): Promise<void>;
  /** Resolves once consumer group `group` has handled everything published on `stream`. */
  consumed(stream: string, group: string): Promise<void>;
  close(): void;
}

export function eventPublisher(): EventPublisher {
  if (TEST_REDIS === 'server') {
    let redis: Redis | undefined;
    const connection = () => (redis ??= connectTestRedis('publisher'));
    return {
      // One connection sends commands in call order, so the entries keep this order.
      publish: async (stream, ...events) => {
        await Promise.all(events.map((event) => publishEnvelope(connection(), stream, event)));
      },
      consumed: (stream, group) => waitForGroupToCatchUp(connection(), stream, group),
      close: () => redis?.disconnect(),
    };
  }
  const logger = createLogger('test-publisher', 'silent');
  return {
    publish: async (stream, ...events) => {
      await Promise.all(events.map((envelope) => inProcessHub.publish(TEST_EVENTS_PREFIX, [{ stream, envelope }], logger)));
    },
    // Publishing resolved only once every group had handled the events.
    consumed: async () => {},
    close: () => {},
  };
}
