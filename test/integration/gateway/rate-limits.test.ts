// The rate limits' counting on the real Redis, without the HTTP around it (test/e2e/limits.test.ts
// covers that): budgets shared between instances, per-user budgets apart from per-address ones,
// and what happens while Redis is unreachable.
import type http from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { RateLimitConfig } from '../../../gateway/limits/config';
import { clientAddress } from '../../../gateway/limits/client-address';
import { RateLimits, type RateDecision } from '../../../gateway/limits/rate-limits';
import type { EventBusConfig } from '../../../shared/events/bus';
import { closeRedis, createRedis } from '../../../shared/events/redis';
import { Budget, SHARED_BUDGET_PAUSE_MS } from '../../../shared/rate-limit/budget';
import { TEST_EVENTS_PREFIX, TEST_REDIS_URL } from '../../support/events';
import { describeWithRedis } from '../../support/requirements';
import { startRedisProxy } from '../../support/streams';

const events: EventBusConfig = { redisUrl: TEST_REDIS_URL, prefix: TEST_EVENTS_PREFIX, relay: false };
const silent = pino({ level: 'silent' });
const opened: RateLimits[] = [];
let unique = 0;

/** Rate limits as a gateway has them once started: connected to Redis, if it can be reached. */
async function rateLimits(config: Partial<RateLimitConfig>, bus = events, logger = silent): Promise<RateLimits> {
  const limits = new RateLimits({ ipPerMinute: 0, userPerMinute: 0, trustedProxies: 0, ...config }, bus, logger);
  opened.push(limits);
  if (bus.redisUrl === events.redisUrl) await limits.ready(10_000);
  return limits;
}

/** A key no other test uses (budgets last a minute). */
const fresh = (kind: string) => `${kind}-${(unique += 1)}-${process.pid}`;

afterEach(() => {
  for (const limits of opened.splice(0)) limits.close();
});

const allowed = (remaining: number): RateDecision => ({
  allowed: true,
  limit: expect.any(Number),
  remaining,
  resetSeconds: expect.any(Number),
});

describeWithRedis('rate limits', () => {
  it('should share one budget between gateway instances on the same Redis', async () => {
    const [a, b] = await Promise.all([rateLimits({ ipPerMinute: 3 }), rateLimits({ ipPerMinute: 3 })]);
    const address = fresh('203.0.113.1');
    expect(await a.request(address, undefined)).toEqual(allowed(2));
    expect(await b.request(address, undefined)).toEqual(allowed(1));
    expect(await a.request(address, undefined)).toEqual(allowed(0));
    const refused = await b.request(address, undefined);
    expect(refused).toEqual({ allowed: false, scope: 'ip', limit: 3, retryAfterSeconds: expect.any(Number) });
    expect(refused?.allowed === false && refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused?.allowed === false && refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    // Another address has its own budget.
    expect(await b.request(fresh('203.0.113.2'), undefined)).toEqual(allowed(2));
  });

  it("should give each user a budget of its own, apart from its address's", async () => {
    const limits = await rateLimits({ ipPerMinute: 10, userPerMinute: 2 });
    const address = fresh('203.0.113.3');
    const [alice, bob] = [fresh('alice'), fresh('bob')];
    expect(await limits.request(address, alice)).toEqual(allowed(1));
    expect(await limits.request(address, alice)).toEqual(allowed(0));
    expect(await limits.request(address, alice)).toMatchObject({ allowed: false, scope: 'user', limit: 2 });
    // Bob, from the same address, still has his; the address has spent 4 of 10.
    expect(await limits.request(address, bob)).toEqual(allowed(1));
    expect(await limits.request(address, undefined)).toEqual(allowed(5));
    // WebSocket operations spend the user's budget, connections the address's.
    expect(await limits.operation(bob)).toEqual(allowed(0));
    expect(await limits.operation(bob)).toMatchObject({ allowed: false, scope: 'user' });
    expect(await limits.connection(address)).toEqual(allowed(4));
  });

  it('should report the tightest budget that applies while within both', async () => {
    const limits = await rateLimits({ ipPerMinute: 100, userPerMinute: 5 });
    expect(await limits.request(fresh('203.0.113.4'), fresh('carol'))).toEqual({
      allowed: true,
      limit: 5,
      remaining: 4,
      resetSeconds: expect.any(Number),
    });
  });

  it('should count nothing, and need no Redis, with both budgets at 0', async () => {
    const limits = await rateLimits({}, { ...events, redisUrl: 'redis://127.0.0.1:1' });
    expect(await limits.request('203.0.113.5', 'dave')).toBeUndefined();
    expect(await limits.connection('203.0.113.5')).toBeUndefined();
    expect(await limits.operation('dave')).toBeUndefined();
  });

  it('should keep limiting in memory, and say so once, while Redis is unreachable', async () => {
    const lines: string[] = [];
    let logged: () => void = () => {};
    const warned = new Promise<void>((resolve) => (logged = resolve));
    const sink = new Writable({
      write: (chunk, _encoding, done) => {
        lines.push(String(chunk));
        logged();
        done();
      },
    });
    const logger = pino({ level: 'warn' }, sink);
    const limits = await rateLimits({ ipPerMinute: 2 }, { ...events, redisUrl: 'redis://127.0.0.1:1' }, logger);
    const started = Date.now();
    expect(await limits.request('203.0.113.6', undefined)).toEqual(allowed(1));
    expect(await limits.request('203.0.113.6', undefined)).toEqual(allowed(0));
    expect(await limits.request('203.0.113.6', undefined)).toMatchObject({ allowed: false, scope: 'ip' });
    // Without waiting for Redis: the requests never queued behind the unreachable connection.
    expect(Date.now() - started).toBeLessThan(1_000);
    await warned;
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual([expect.stringMatching(/Redis unreachable/)]);
  });
});

describeWithRedis('a budget on a Redis that hangs', () => {
  it('should wait for one command timeout, then count in memory at once until the pause ends', async () => {
    const proxy = await startRedisProxy();
    const redis = createRedis(proxy.url, 'budget-test', silent);
    let now = 1_000_000;
    const budget = new Budget(
      redis,
      { keyPrefix: `${TEST_EVENTS_PREFIX}:budget-${fresh('hang')}`, points: 3, windowSeconds: 60 },
      silent,
      () => now,
    );
    const timed = async () => {
      const started = performance.now();
      const decision = await budget.consume('client');
      return { decision, ms: performance.now() - started };
    };
    try {
      await new Promise<void>((resolve) => (redis.status === 'ready' ? resolve() : redis.once('ready', () => resolve())));
      expect((await timed()).decision).toMatchObject({ allowed: true, remaining: 2 });
      proxy.stall();
      // The first attempt waits for the command timeout (500 ms), then memory counts it.
      const first = await timed();
      expect(first.decision).toMatchObject({ allowed: true, remaining: 2 });
      expect(first.ms).toBeGreaterThanOrEqual(400);
      // The next ones skip Redis: no wait, still counted (memory's own budget).
      const second = await timed();
      expect(second.decision).toMatchObject({ allowed: true, remaining: 1 });
      expect(second.ms).toBeLessThan(100);
      expect((await timed()).decision).toMatchObject({ allowed: true, remaining: 0 });
      expect((await timed()).decision).toMatchObject({ allowed: false });
      // After the pause Redis is asked again. The attempt that timed out reached Redis once the
      // stall ended (a timeout says nothing of delivery), so the shared budget has spent two.
      proxy.restore();
      now += SHARED_BUDGET_PAUSE_MS;
      expect((await timed()).decision).toMatchObject({ allowed: true, remaining: 0 });
      expect((await timed()).decision).toMatchObject({ allowed: false });
    } finally {
      await closeRedis(redis);
      await proxy.close();
    }
  });
});

describeWithRedis('client address', () => {
  const request = (remoteAddress: string, forwardedFor?: string) =>
    ({
      socket: { remoteAddress },
      headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    }) as http.IncomingMessage;

  it("should be the socket's peer, X-Forwarded-For ignored, without trusted proxies", () => {
    expect(clientAddress(request('198.51.100.7', '203.0.113.9'), 0)).toBe('198.51.100.7');
  });

  it('should be the address the trusted proxy saw, not what the client put in the header', () => {
    // The client sent "X-Forwarded-For: 1.2.3.4" itself; the load balancer appended its peer.
    expect(clientAddress(request('10.0.0.2', '1.2.3.4, 203.0.113.9'), 1)).toBe('203.0.113.9');
    expect(clientAddress(request('10.0.0.2', '1.2.3.4, 203.0.113.9, 10.0.0.1'), 2)).toBe('203.0.113.9');
    // Fewer hops than configured: the furthest address known.
    expect(clientAddress(request('10.0.0.2'), 1)).toBe('10.0.0.2');
    expect(clientAddress(request('10.0.0.2', '203.0.113.9'), 3)).toBe('203.0.113.9');
  });
});
