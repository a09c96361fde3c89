// The policy of calls between our services (shared/http/resilience.ts) against a real HTTP
// server that misbehaves on demand, counting what actually reached it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError } from 'graphql';
import { errors } from 'undici';
import { post, type HttpReply } from '../../../shared/http/http-client';
import { ServiceCalls } from '../../../shared/http/resilience';
import { createLogger } from '../../../shared/logger';

type Behaviour = 'answer' | 'hang up' | 'fail' | 'hang';

let behaviour: Behaviour = 'answer';
let received = 0;
let url: string;
const server = http.createServer((req, res) => {
  received += 1;
  req.resume();
  if (behaviour === 'hang up') req.socket.destroy();
  else if (behaviour === 'fail') res.writeHead(500).end('{}');
  else if (behaviour === 'answer') res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{}}');
  // 'hang': never answers.
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  behaviour = 'answer';
  received = 0;
});

// Timers and clock only: the HTTP server above answers on real sockets.
const FAKE_CLOCK: Parameters<typeof jest.useFakeTimers>[0] = {
  doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'queueMicrotask'],
};

const logger = createLogger('test', 'silent');
const calls = (failures = 10, resetMs = 60_000) => new ServiceCalls({ service: 'peer', breaker: { failures, resetMs }, logger });
const send =
  (timeoutMs = 2_000) =>
  () =>
    post(url, { headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs });

async function failure(call: Promise<unknown>): Promise<GraphQLError> {
  const error = await call.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(GraphQLError);
  return error as GraphQLError;
}

describe('calls between services', () => {
  it('should retry an idempotent call once when the connection breaks under it', async () => {
    behaviour = 'hang up';
    const error = await failure(calls().run(send(), { idempotent: () => true }));
    expect(error.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', service: 'peer' });
    expect(received).toBe(2);
  });

  it('should not retry a mutation whose request may have been handled', async () => {
    behaviour = 'hang up';
    await failure(calls().run(send(), { idempotent: () => false }));
    expect(received).toBe(1);
  });

  it('should not retry a call that timed out', async () => {
    behaviour = 'hang';
    const error = await failure(calls().run(send(200), { idempotent: () => true }));
    expect(error.message).toMatch(/timed out/);
    expect(received).toBe(1);
  });

  describe('on a fake clock', () => {
    // cockatiel's breaker times its reset with Date.now(): the fake clock moves past it exactly,
    // where a real pause would race the reset on a busy machine.
    beforeEach(() => {
      jest.useFakeTimers(FAKE_CLOCK);
    });

    afterEach(() => {
      jest.useRealTimers();
    });

    it('should fail fast once the circuit is open, and close it after a successful probe', async () => {
      const RESET_MS = 200;
      const policy = calls(2, RESET_MS);
      behaviour = 'fail';
      for (let i = 0; i < 2; i += 1) {
        expect((await failure(policy.run(send(), { idempotent: () => true }))).message).toMatch(/HTTP 500/);
      }
      expect((await failure(policy.run(send(), { idempotent: () => true }))).message).toMatch(/circuit open/);
      expect(received).toBe(2);

      behaviour = 'answer';
      // The circuit stays open for its reset time whatever the service does.
      await jest.advanceTimersByTimeAsync(RESET_MS - 1);
      expect((await failure(policy.run(send(), { idempotent: () => true }))).message).toMatch(/circuit open/);
      expect(received).toBe(2);
      await jest.advanceTimersByTimeAsync(1);
      expect((await policy.run(send(), { idempotent: () => true })).status).toBe(200);
      expect((await policy.run(send(), { idempotent: () => true })).status).toBe(200);
      expect(received).toBe(4);
    });
  });
});

/** A call that fails as undici does, after `ms` of the (fake) clock. */
function failingAfter(ms: number, error: () => Error): () => Promise<HttpReply> {
  return () => new Promise((_, reject) => setTimeout(() => reject(error()), ms));
}

const answering = (): (() => Promise<HttpReply>) => () => post(url, { headers: {}, body: '{}', timeoutMs: 2_000 });
const timedOut = () => new errors.HeadersTimeoutError();
const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
const QUERY = { idempotent: () => true };
const MUTATION = { idempotent: () => false };

/** Runs `call` to its end on the fake clock, `ms` later. */
async function settle<T>(call: Promise<T>, ms: number): Promise<T | GraphQLError> {
  const settled = call.catch((error: unknown) => error as GraphQLError);
  await jest.advanceTimersByTimeAsync(ms);
  return settled;
}

describe('what counts against the circuit', () => {
  const TIMEOUT_MS = 10_000;
  const RESET_MS = 5_000;

  beforeEach(() => {
    jest.useFakeTimers(FAKE_CLOCK);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('should keep the circuit closed for queries when mutations time out, however many', async () => {
    const policy = calls(2, RESET_MS);
    for (let i = 0; i < 5; i += 1) {
      const error = await settle(policy.run(failingAfter(TIMEOUT_MS, timedOut), MUTATION), TIMEOUT_MS);
      expect((error as GraphQLError).message).toMatch(/timed out/);
    }
    expect((await policy.run(answering(), QUERY)).status).toBe(200);
    expect(received).toBe(1);
  });

  it('should neither count nor reset on a timed-out mutation: queries that time out in between still open the circuit', async () => {
    const policy = calls(2, RESET_MS);
    await settle(policy.run(failingAfter(TIMEOUT_MS, timedOut), QUERY), TIMEOUT_MS);
    await settle(policy.run(failingAfter(TIMEOUT_MS, timedOut), MUTATION), TIMEOUT_MS);
    await settle(policy.run(failingAfter(TIMEOUT_MS, timedOut), QUERY), TIMEOUT_MS);
    const error = await settle(policy.run(answering(), QUERY), 0);
    expect((error as GraphQLError).message).toMatch(/circuit open/);
    expect(received).toBe(0);

    // Open for its reset time, then one probe closes it again.
    await jest.advanceTimersByTimeAsync(RESET_MS);
    expect((await policy.run(answering(), QUERY)).status).toBe(200);
    expect(received).toBe(1);
  });

  it('should count a mutation that could not reach the service', async () => {
    const policy = calls(2, RESET_MS);
    // Each refused attempt is retried once (never delivered): two failures, the circuit opens.
    const error = await settle(policy.run(failingAfter(0, refused), MUTATION), 100);
    expect((error as GraphQLError).message).toMatch(/unreachable/);
    const next = await settle(policy.run(answering(), MUTATION), 0);
    expect((next as GraphQLError).message).toMatch(/circuit open/);
    expect(received).toBe(0);
  });

  it('should count a mutation answered with a 5xx', async () => {
    const policy = calls(2, RESET_MS);
    behaviour = 'fail';
    for (let i = 0; i < 2; i += 1) {
      expect(((await settle(policy.run(send(), MUTATION), 0)) as GraphQLError).message).toMatch(/HTTP 500/);
    }
    expect(((await settle(policy.run(send(), QUERY), 0)) as GraphQLError).message).toMatch(/circuit open/);
    expect(received).toBe(2);
  });
});
