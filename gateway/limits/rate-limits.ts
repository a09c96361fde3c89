// Request budgets per client address and per signed-in user, a minute each, shared by every
// gateway instance through Redis (how budgets are counted, and what happens while Redis is
// unreachable: shared/rate-limit/budget.ts).
import type Redis from 'ioredis';
import type { EventBusConfig } from '../../shared/events/bus';
import type { Logger } from '../../shared/logger';
import { Budget, budgetRedisReady, connectBudgetRedis, type Allowed, type Refused } from '../../shared/rate-limit/budget';
import type { RateLimitConfig } from './config';
import type { RateScope } from './errors';

const WINDOW_SECONDS = 60;

export type RateDecision = Allowed | (Refused & { scope: RateScope });

export class RateLimits {
  private readonly redis: Redis | null = null;
  private readonly ip: Budget | undefined;
  private readonly user: Budget | undefined;

  constructor(config: RateLimitConfig, events: EventBusConfig, logger: Logger) {
    if (!config.ipPerMinute && !config.userPerMinute) return;
    const redis =
      events.redisUrl === null ? null : connectBudgetRedis(events.redisUrl, `${events.prefix}gateway:rate-limits`, logger);
    this.redis = redis;
    const budget = (scope: RateScope, perMinute: number) =>
      perMinute > 0
        ? new Budget(
            redis,
            { keyPrefix: `${events.prefix}rate:${scope}`, points: perMinute, windowSeconds: WINDOW_SECONDS },
            logger,
          )
        : undefined;
    this.ip = budget('ip', config.ipPerMinute);
    this.user = budget('user', config.userPerMinute);
  }

  /**
   * Resolves once the Redis connection is up, or after `timeoutMs` without it: a gateway waits
   * for it before it serves.
   */
  async ready(timeoutMs = 3_000): Promise<void> {
    if (this.redis) await budgetRedisReady(this.redis, timeoutMs);
  }

  /** An HTTP request: it spends from its address's budget and, when signed in, its user's. */
  async request(address: string, userId: string | undefined): Promise<RateDecision | undefined> {
    const byAddress = await spend(this.ip, 'ip', address);
    if (byAddress && !byAddress.allowed) return byAddress;
    const byUser = userId === undefined ? undefined : await spend(this.user, 'user', userId);
    if (byUser && !byUser.allowed) return byUser;
    return tightest(byAddress, byUser);
  }

  /** A WebSocket connection attempt spends from its address's budget. */
  connection(address: string): Promise<RateDecision | undefined> {
    return spend(this.ip, 'ip', address);
  }

  /** An operation sent over a WebSocket spends from its user's budget. */
  operation(userId: string): Promise<RateDecision | undefined> {
    return spend(this.user, 'user', userId);
  }

  close(): void {
    this.redis?.disconnect();
  }
}

/** One from `budget` (none when that limit is off); a refusal says whose budget is spent. */
async function spend(budget: Budget | undefined, scope: RateScope, key: string): Promise<RateDecision | undefined> {
  const decision = await budget?.consume(key);
  return decision && !decision.allowed ? { ...decision, scope } : decision;
}

/** Of two budgets within limits, the one with less left. */
function tightest(a: Allowed | undefined, b: Allowed | undefined): Allowed | undefined {
  if (!a || !b) return a ?? b;
  return a.remaining <= b.remaining ? a : b;
}
