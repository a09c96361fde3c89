// Password guesses per account. The gateway's rate limits count requests per address and user,
// but one request can carry several aliased logins and an address many requests a minute; this
// subgraph owns the credentials, so it counts the guesses at each account.
//
// Counted per email whether or not an account has it: an unknown email is throttled exactly like
// a known one, so the lockout tells nothing about which emails exist. An attempt spends from the
// budget before the password is checked, so concurrent guesses cannot overrun it and a throttled
// account costs no scrypt at all; a successful login gives the whole budget back.
import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import type { EventBusConfig, Worker } from '../../shared/events/bus';
import type { Logger } from '../../shared/logger';
import { Budget, budgetRedisReady, connectBudgetRedis } from '../../shared/rate-limit/budget';
import { rateLimited } from '../../shared/rate-limit/errors';

export interface LoginThrottleConfig {
  /** LOGIN_FAILURES_PER_ACCOUNT; 0 turns the throttle off. */
  failuresPerAccount: number;
  /** LOGIN_FAILURE_WINDOW_SECONDS, from the first attempt since the account's last successful login. */
  windowSeconds: number;
}

/** Started with the subgraph (its Redis connection is up before logins count) and stopped with it. */
export class LoginThrottle implements Worker {
  private readonly redis: Redis | null = null;
  private readonly budget: Budget | undefined;

  constructor(config: LoginThrottleConfig, events: EventBusConfig, logger: Logger) {
    if (!config.failuresPerAccount) return;
    this.redis =
      events.redisUrl === null ? null : connectBudgetRedis(events.redisUrl, `${events.prefix}user:login-throttle`, logger);
    this.budget = new Budget(
      this.redis,
      { keyPrefix: `${events.prefix}rate:login`, points: config.failuresPerAccount, windowSeconds: config.windowSeconds },
      logger,
    );
  }

  /**
   * Spends one login attempt of `email` (normalised as login looks it up); RATE_LIMITED once the
   * account has failed as often as it may within the window.
   */
  async attempt(email: string): Promise<void> {
    const decision = await this.budget?.consume(accountKey(email));
    if (decision && !decision.allowed) {
      const wait = decision.retryAfterSeconds;
      throw rateLimited(`Too many failed logins for this account; try again in ${wait} seconds.`, wait);
    }
  }

  /** The right password: the account's failures are forgiven. */
  async succeeded(email: string): Promise<void> {
    await this.budget?.reset(accountKey(email));
  }

  async start(): Promise<void> {
    if (this.redis) await budgetRedisReady(this.redis);
  }

  async stop(): Promise<void> {
    this.redis?.disconnect();
  }
}

/** A fixed-size key that keeps email addresses out of Redis, whatever length a client sends. */
function accountKey(email: string): string {
  return createHash('sha256').update(email).digest('hex');
}
