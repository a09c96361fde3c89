// Budgets of attempts per key, counted in Redis so that every instance of a service draws on the
// same budget: a client spreading attempts over instances behind a load balancer gets no more
// than one instance would give it. Fixed windows, starting at a key's first attempt.
//
// When Redis is unreachable or hangs, each instance counts in its own memory until Redis answers
// again: protection stays on, only looser (the budget then holds per instance). Failing open would drop protection exactly while the system is degraded;
// failing closed would turn a Redis outage into a full outage of the API.
import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { createRedis, readyOrTimeout } from '../events/redis';
import type { Logger } from '../logger';

/** Within budget; `remaining` and `resetSeconds` are what RateLimit-* headers tell a client. */
export type Allowed = { allowed: true; limit: number; remaining: number; resetSeconds: number };
export type Refused = { allowed: false; limit: number; retryAfterSeconds: number };
export type BudgetDecision = Allowed | Refused;

export interface BudgetOptions {
  /** Where the budget's keys live in Redis, under the service's EVENTS_PREFIX. */
  keyPrefix: string;
  /** Attempts per key and window. */
  points: number;
  windowSeconds: number;
}

/**
 * After Redis failed to count an attempt (unreachable, or a command timed out because it hangs),
 * attempts are counted in memory for this long before Redis is tried again: a Redis that hangs
 * would otherwise cost every request the command timeout (500 ms) per budget it spends.
 */
export const SHARED_BUDGET_PAUSE_MS = 5_000;

export class Budget {
  /** Counts while Redis cannot (rate-limiter-flexible's insurance idea), and without Redis at all. */
  private readonly memory: RateLimiterMemory;
  private readonly shared: RateLimiterRedis | null;
  /** Until when attempts skip Redis (ms since the epoch). */
  private sharedPausedUntil = 0;

  /** With `redis` null (the whole supergraph in one process) the budget lives in memory. */
  constructor(
    redis: Redis | null,
    private readonly options: BudgetOptions,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    const { keyPrefix, points, windowSeconds } = options;
    const limits = { keyPrefix, points, duration: windowSeconds };
    this.memory = new RateLimiterMemory(limits);
    // Straight to memory while the connection is down, instead of waiting.
    this.shared = redis && new RateLimiterRedis({ ...limits, storeClient: redis, rejectIfRedisNotReady: true });
  }

  /** Spends one attempt of `key`'s budget. */
  async consume(key: string): Promise<BudgetDecision> {
    const { points, windowSeconds, keyPrefix } = this.options;
    const useShared = this.shared !== null && this.now() >= this.sharedPausedUntil;
    try {
      const spent = await (useShared ? this.shared : this.memory).consume(key);
      return { allowed: true, limit: points, remaining: spent.remainingPoints, resetSeconds: seconds(spent.msBeforeNext) };
    } catch (outcome) {
      if (outcome instanceof RateLimiterRes) {
        return { allowed: false, limit: points, retryAfterSeconds: seconds(outcome.msBeforeNext) };
      }
      if (useShared) {
        // Redis could not count it: memory does, now and for a while (the connection logs outages).
        this.sharedPausedUntil = this.now() + SHARED_BUDGET_PAUSE_MS;
        return this.consume(key);
      }
      // Memory failed too: nothing left to count with.
      this.logger.error({ err: outcome, budget: keyPrefix }, 'rate limit could not be counted; attempt let through');
      return { allowed: true, limit: points, remaining: points, resetSeconds: windowSeconds };
    }
  }

  /** Gives `key` its whole budget back. */
  async reset(key: string): Promise<void> {
    try {
      await this.memory.delete(key);
      if (this.shared && this.now() >= this.sharedPausedUntil) await this.shared.delete(key);
    } catch (error) {
      // The count then simply runs out with its window.
      this.logger.error({ err: error, budget: this.options.keyPrefix }, 'rate limit could not be reset');
    }
  }
}

/** Whole seconds, at least 1 (Retry-After: 0 would invite an immediate retry). */
function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * A connection of its own for budgets. Like every connection (../events/redis.ts) it fails fast:
 * an attempt never waits for an unreachable Redis, memory counts it. `name` is the connection's
 * name as Redis's CLIENT LIST shows it.
 */
export function connectBudgetRedis(redisUrl: string, name: string, logger: Logger): Redis {
  return createRedis(redisUrl, name, logger, {
    messages: {
      down: 'rate limits: Redis unreachable, counting per instance until it is back',
      up: 'rate limits: Redis is back, budgets are shared across instances again',
    },
  });
}

/**
 * Resolves once `redis` is up, or after `timeoutMs` without it (memory counts meanwhile): until
 * then each instance would count on its own, so a service waits for it before it serves.
 */
export function budgetRedisReady(redis: Redis, timeoutMs = 3_000): Promise<void> {
  return readyOrTimeout(redis, timeoutMs);
}
