// `npx tsx bench/subscription-fanout-floor.ts`: the least time this machine needs to hand one
// result to 1,000 graphql-ws subscribers, with nothing else running: graphql-ws's server (as the
// gateway uses it) fed by the hub's Channel, no GraphQL execution, no stack; 1,000 graphql-ws
// clients in one worker thread, as bench:subscriptions has them. It prints, per round, how long the
// server took to write every frame and when the last client had its result, both from the push.
import { createServer } from 'node:http';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { buildSchema, type ExecutionResult } from 'graphql';
import { createClient } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import WebSocket, { WebSocketServer } from 'ws';
import { Channel } from '../gateway/subscriptions/channel';
import { percentile } from './support/percentiles';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1_000);
const ROUNDS = 20;

async function server(): Promise<void> {
  const channels: Channel<ExecutionResult>[] = [];
  const http = createServer();
  useServer(
    {
      schema: buildSchema('type Query { ok: Boolean } type Subscription { changed: Boolean }'),
      subscribe: () => {
        const channel = new Channel<ExecutionResult>(() => {});
        channels.push(channel);
        return channel;
      },
    },
    new WebSocketServer({ server: http, path: '/graphql' }),
  );
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as { port: number };
  const clients = new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)});`, {
    eval: true,
    workerData: { port },
  });
  await new Promise<void>((resolve) => clients.once('message', () => resolve()));
  while (channels.length < SUBSCRIBERS) await new Promise((resolve) => setTimeout(resolve, 10));

  const written: number[] = [];
  const arrived: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    // The bench's own result, as the hub pushes it.
    const result = {
      data: {
        orderStatusChanged: {
          orderId: '0190f3a2-7c1e-7b2a-9c4d-1e2f3a4b5c6d',
          to: 'PAID',
          version: 3,
          at: new Date().toISOString(),
          order: { total: { amount: 999 }, user: { name: 'Bench' } },
        },
      },
    };
    const last = new Promise<number>((resolve) => clients.once('message', resolve));
    const start = Date.now();
    clients.postMessage(start);
    for (const channel of channels) channel.push(result);
    await new Promise((resolve) => setImmediate(resolve));
    written.push(Date.now() - start);
    arrived.push(await last);
    // Apart, as the bench's changes are: each round starts with idle sockets.
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const summary = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return { p50: percentile(sorted, 0.5), max: sorted.at(-1) };
  };
  console.log(
    JSON.stringify({ subscribers: SUBSCRIBERS, rounds: ROUNDS, allWritten: summary(written), lastArrived: summary(arrived) }),
  );
  process.exit(0);
}

async function subscribers({ port }: { port: number }): Promise<void> {
  let start = 0;
  let count = 0;
  parentPort!.on('message', (at: number) => (start = at));
  const connected = Array.from(
    { length: SUBSCRIBERS },
    () =>
      new Promise<void>((resolve) => {
        const client = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
        client.on('connected', () => resolve());
        client.subscribe(
          { query: 'subscription { changed }' },
          {
            next: () => {
              count += 1;
              if (count === SUBSCRIBERS) {
                parentPort!.postMessage(Date.now() - start);
                count = 0;
              }
            },
            error: () => {},
            complete: () => {},
          },
        );
      }),
  );
  await Promise.all(connected);
  parentPort!.postMessage('ready');
}

if (isMainThread) void server();
else void subscribers(workerData as { port: number });
