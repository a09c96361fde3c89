// Waits for what services announce on a stream, on whichever bus the run has: Redis Streams
// (read from the stream's beginning) or the in-process bus (everything published since the
// watch began, which a test starts before it acts).
import type { EventEnvelope } from '../../shared/events/contracts';
import { inProcessHub } from '../../shared/events/in-process-bus';
import { streamKey } from '../../shared/events/streams';
import { TEST_REDIS } from './backends';
import { TEST_EVENTS_PREFIX } from './events';
import { connectTestRedis, createCollector, waitForEntries } from './streams';

export interface StreamWatch {
  /** The first event of the stream that `where` accepts, once there is one. */
  next(where: (event: EventEnvelope) => boolean, timeoutMs?: number): Promise<EventEnvelope>;
  close(): void;
}

export function watchStream(stream: string): StreamWatch {
  if (TEST_REDIS === 'server') {
    const redis = connectTestRedis(`watch:${stream}`);
    return {
      next: async (where, timeoutMs) => {
        const [entry] = await waitForEntries(redis, stream, 1, { where: ({ event }) => !!event && where(event), timeoutMs });
        return entry!.event!;
      },
      close: () => redis.disconnect(),
    };
  }
  const events = createCollector<EventEnvelope>();
  const unfollow = inProcessHub.follow(streamKey(TEST_EVENTS_PREFIX, stream), events.push);
  return {
    next: async (where, timeoutMs = 5_000) => {
      const deadline = Date.now() + timeoutMs;
      for (let seen = 0; ;) {
        const found = events.items.find(where);
        if (found) return found;
        seen = events.items.length;
        await events.waitFor(seen + 1, Math.max(deadline - Date.now(), 1));
      }
    },
    close: unfollow,
  };
}
