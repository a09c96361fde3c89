// The event bus a service runs on, from its configuration: Redis Streams when a Redis URL is set,
// else the in-process bus (see ./bus.ts for the interface both implement).
import type { Logger } from '../logger';
import type { EventBus, EventBusConfig } from './bus';
import { InProcessEventBus } from './in-process-bus';
import { RedisEventBus } from './redis-bus';

export function createEventBus(config: EventBusConfig, service: string, logger: Logger): EventBus {
  return config.redisUrl
    ? new RedisEventBus({ ...config, redisUrl: config.redisUrl }, service, logger)
    : new InProcessEventBus(config, service, logger);
}
