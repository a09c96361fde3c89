// The policy of calls between our services (shared/http/resilience.ts) against a real HTTP
// server that misbehaves on demand, counting what actually reached it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as pause } from 'node:timers/promises';
import { GraphQLError } from 'graphql';
import { post } from '../../shared/http/http-client';
import { ServiceCalls } from '../../shared/http/resilience';
import { createLogger } from '../../shared/logger';

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

  it('should fail fast once the circuit is open, and close it after a successful probe', async () => {
    const policy = calls(2, 200);
    behaviour = 'fail';
    for (let i = 0; i < 2; i += 1) {
      expect((await failure(policy.run(send(), { idempotent: () => true }))).message).toMatch(/HTTP 500/);
    }
    expect((await failure(policy.run(send(), { idempotent: () => true }))).message).toMatch(/circuit open/);
    expect(received).toBe(2);

    behaviour = 'answer';
    // The circuit stays open for its reset time whatever the service does.
    expect((await failure(policy.run(send(), { idempotent: () => true }))).message).toMatch(/circuit open/);
    await pause(250);
    expect((await policy.run(send(), { idempotent: () => true })).status).toBe(200);
    expect((await policy.run(send(), { idempotent: () => true })).status).toBe(200);
    expect(received).toBe(4);
  });
});
