// Request budgets per client address and per signed-in user, counted in Redis so that every
// gateway instance draws on the same budget: a client spreading requests over instances behind a
// load balancer gets no more than one instance would give it. Fixed windows of a minute, starting
// at a key's first request.
//
// When Redis is unreachable each instance counts in its own memory (rate-limiter-flexible's
// insurance limiter) until Redis is back: protection stays on, only looser (the budget then holds
// per instance). Failing open would drop protection exactly while the system is degraded;
// failing closed would turn a Redis outage into a full outage of the API.
import Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { EventBusConfig } from '../../shared/events/bus';
import type { Logger } from '../../shared/logger';
import type { RateLimitConfig } from './config';
import type { RateScope } from './errors';

const WINDOW_SECONDS = 60;
/** A Redis that takes longer than this counts as down for this request (memory counts it). */
const REDIS_TIMEOUT_MS = 500;

/** Within budget; `remaining` and `resetSeconds` are for the RateLimit-* headers. */
type Allowed = { allowed: true; limit: number; remaining: number; resetSeconds: number };
type Refused = { allowed: false; scope: RateScope; limit: number; retryAfterSeconds: number };
export type RateDecision = Allowed | Refused;

export class RateLimits {
  private readonly redis: Redis | undefined;
  private readonly ip: Budget | undefined;
  private readonly user: Budget | undefined;

  constructor(config: RateLimitConfig, events: EventBusConfig, logger: Logger) {
    if (!config.ipPerMinute && !config.userPerMinute) return;
    const redis = connect(events, logger);
    this.redis = redis;
    const budget = (scope: RateScope, perMinute: number) =>
      perMinute > 0 ? new Budget(redis, `${events.prefix}rate:${scope}`, scope, perMinute, logger) : undefined;
    this.ip = budget('ip', config.ipPerMinute);
    this.user = budget('user', config.userPerMinute);
  }

  /**
   * Resolves once the Redis connection is up, or after `timeoutMs` without it (memory counts
   * meanwhile): until then each instance would count on its own, so a gateway waits for it before
   * it serves.
   */
  async ready(timeoutMs = 3_000): Promise<void> {
    const redis = this.redis;
    if (!redis || redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        redis.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      redis.once('ready', done);
    });
  }

  /** An HTTP request: it spends from its address's budget and, when signed in, its user's. */
  async request(address: string, userId: string | undefined): Promise<RateDecision | undefined> {
    const byAddress = await this.ip?.consume(address);
    if (byAddress && !byAddress.allowed) return byAddress;
    const byUser = userId === undefined ? undefined : await this.user?.consume(userId);
    if (byUser && !byUser.allowed) return byUser;
    return tightest(byAddress, byUser);
  }

  /** A WebSocket connection attempt spends from its address's budget. */
  connection(address: string): Promise<RateDecision | undefined> {
    return this.ip?.consume(address) ?? Promise.resolve(undefined);
  }

  /** An operation sent over a WebSocket spends from its user's budget. */
  operation(userId: string): Promise<RateDecision | undefined> {
    return this.user?.consume(userId) ?? Promise.resolve(undefined);
  }

  close(): void {
    this.redis?.disconnect();
  }
}

class Budget {
  private readonly limiter: RateLimiterRedis;

  constructor(
    redis: Redis,
    keyPrefix: string,
    private readonly scope: RateScope,
    private readonly points: number,
    private readonly logger: Logger,
  ) {
    const options = { keyPrefix, points, duration: WINDOW_SECONDS };
    this.limiter = new RateLimiterRedis({
      ...options,
      storeClient: redis,
      // Straight to the insurance limiter while the connection is down, instead of waiting.
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(options),
    });
  }

  async consume(key: string): Promise<RateDecision> {
    try {
      const spent = await this.limiter.consume(key);
      return { allowed: true, limit: this.points, remaining: spent.remainingPoints, resetSeconds: seconds(spent.msBeforeNext) };
    } catch (outcome) {
      if (outcome instanceof RateLimiterRes) {
        return { allowed: false, scope: this.scope, limit: this.points, retryAfterSeconds: seconds(outcome.msBeforeNext) };
      }
      // Redis and the in-memory insurance both failed: nothing left to count with.
      this.logger.error({ err: outcome, scope: this.scope }, 'rate limit could not be counted; request let through');
      return { allowed: true, limit: this.points, remaining: this.points, resetSeconds: WINDOW_SECONDS };
    }
  }
}

/** Whole seconds, at least 1 (Retry-After: 0 would invite an immediate retry). */
function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** Of two budgets within limits, the one with less left. */
function tightest(a: Allowed | undefined, b: Allowed | undefined): Allowed | undefined {
  if (!a || !b) return a ?? b;
  return a.remaining <= b.remaining ? a : b;
}

/**
 * A connection of its own that fails fast: no offline queue and a command timeout, so a request
 * never waits for an unreachable Redis (the event bus's connections queue commands instead).
 */
function connect(events: EventBusConfig, logger: Logger): Redis {
  const redis = new Redis(events.redisUrl, {
    connectionName: `${events.prefix}gateway:rate-limits`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: REDIS_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(50 * attempt, 1_000),
  });
  let down = false;
  redis.on('error', (error) => {
    // One line per outage, not one per retry.
    if (!down) logger.warn({ err: error }, 'rate limits: Redis unreachable, counting per gateway instance until it is back');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info('rate limits: Redis is back, budgets are shared across instances again');
    down = false;
  });
  return redis;
}
