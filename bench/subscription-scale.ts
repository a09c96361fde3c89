// `npm run bench:subscription-scale`: what idle subscribers cost one gateway, and whether it gets
// all of it back. The real stack (PostgreSQL, Redis, four subgraph processes, one gateway) with
// 10,000 graphql-ws subscribers and 1,000 over HTTP (500 graphql-sse, 500 Apollo multipart), from
// worker threads of this process; then 10 rounds of every subscriber disconnecting and
// reconnecting. After each step the gateway's garbage is collected (through its inspector) and its
// heap and resident memory read, and its gauges scraped from /metrics: subscriptions_active and
// subscription_groups_active (the hub's), subscription_connections (the transports').
//
// Subscribers are customers watching all their own orders (no orderId: no visibility query per
// subscribe), BENCH_SCALE_USERS of them (1,000 by default), so the hub holds that many groups.
// Writes bench/results/subscription-scale.json.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import WebSocket from 'ws';
import type { ServiceProcess } from '../shared/process/service-process';
import { ROOT_DIR } from '../shared/paths';
import { metric, scrapeMetrics } from './support/gateway-metrics';
import { residentBytes } from './support/process-stats';
import { bearer, createDatabases, dropDatabases, startGateway, startSubgraphs } from './support/stack';
import type { ScaleTransport, ScaleWorkerCommand, ScaleWorkerInput, ScaleWorkerReply } from './subscription-scale-worker';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const COUNTS: Record<ScaleTransport, number> = {
  'graphql-ws': env('BENCH_SCALE_WS', 10_000),
  'graphql-sse': env('BENCH_SCALE_SSE', 500),
  multipart: env('BENCH_SCALE_MULTIPART', 500),
};
const USERS = env('BENCH_SCALE_USERS', 1_000);
const ROUNDS = env('BENCH_SCALE_ROUNDS', 10);
/** Threads for the graphql-ws share (each HTTP transport gets one of its own). */
const WS_THREADS = env('BENCH_SCALE_THREADS', 4);
const TOTAL = Object.values(COUNTS).reduce((sum, count) => sum + count, 0);

const SUBSCRIPTION = /* GraphQL */ `
  subscription Watch {
    orderStatusChanged {
      orderId
      to
      version
      at
      order {
        total {
          amount
        }
      }
    }
  }
`;

interface Memory {
  /** Resident memory of the gateway process (bytes). */
  rss: number;
  /** V8 heap in use after a full garbage collection (bytes). */
  heapUsed: number;
  /** Memory outside the V8 heap that JavaScript objects hold (Buffers etc., bytes). */
  external: number;
}

interface Gauges {
  subscriptions: number;
  groups: number;
  connections: number;
}

async function main(): Promise<void> {
  const databases = await createDatabases();
  const processes: ServiceProcess[] = [];
  let clients: Clients | undefined;
  let inspector: Inspector | undefined;
  try {
    const inspectPort = await freePort();
    const gateway = await startGateway(await startSubgraphs(databases, processes), {
      // The inspector forces garbage collections and reads the heap; it costs nothing until used.
      NODE_OPTIONS: `--inspect=127.0.0.1:${inspectPort}`,
    });
    inspector = await Inspector.connect(inspectPort);
    const memory = async (): Promise<Memory> => ({ ...(await inspector!.memory()), rss: residentBytes(gateway.child.pid!) });
    const gauges = async (): Promise<Gauges> => {
      const text = await scrapeMetrics(gateway.url);
      return {
        subscriptions: metric(text, 'subscriptions_active'),
        groups: metric(text, 'subscription_groups_active'),
        connections: metric(text, 'subscription_connections'),
      };
    };
    const users = Array.from({ length: USERS }, () => bearer({ userId: randomUUID(), role: 'CUSTOMER' }));
    clients = await Clients.start(gateway.url, users);

    // Whatever the first subscribers set up once (plans, caches, lazily loaded code) is not theirs.
    await clients.connect();
    await until(gauges, (g) => g.subscriptions === TOTAL, 'every subscription registered (warm-up)');
    await clients.disconnect();
    await until(gauges, (g) => g.subscriptions === 0 && g.groups === 0 && g.connections === 0, 'gauges back to zero (warm-up)');
    const idle = await memory();
    console.log(`idle after warm-up: ${describe(idle)}`);

    const rounds = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      const started = Date.now();
      await clients.connect();
      const registered = await until(gauges, (g) => g.subscriptions === TOTAL, `every subscription registered (round ${round})`);
      const connectMs = Date.now() - started;
      const connected = await memory();
      await clients.disconnect();
      const released = await until(
        gauges,
        (g) => g.subscriptions === 0 && g.groups === 0 && g.connections === 0,
        `gauges back to zero (round ${round})`,
      );
      const after = await memory();
      rounds.push({ round, connectMs, registered, connected, released, after });
      console.log(
        `round ${round}: ${TOTAL} subscribers up in ${connectMs} ms (${registered.groups} groups); ` +
          `connected ${describe(connected)}; after disconnect ${describe(after)}; gauges ${JSON.stringify(released)}`,
      );
    }

    const first = rounds[0]!;
    const last = rounds.at(-1)!;
    const perSubscriber = (memoryWith: Memory, without: Memory) => ({
      heapBytes: Math.round((memoryWith.heapUsed - without.heapUsed) / TOTAL),
      heapAndExternalBytes: Math.round((memoryWith.heapUsed + memoryWith.external - without.heapUsed - without.external) / TOTAL),
      rssBytes: Math.round((memoryWith.rss - without.rss) / TOTAL),
    });
    const results = {
      date: new Date().toISOString(),
      node: process.version,
      subscribers: COUNTS,
      users: USERS,
      rounds: ROUNDS,
      idle,
      perSubscriber: { firstRound: perSubscriber(first.connected, idle), lastRound: perSubscriber(last.connected, last.after) },
      growthAfterRounds: {
        heapBytes: last.after.heapUsed - first.after.heapUsed,
        rssBytes: last.after.rss - first.after.rss,
        connectedHeapBytes: last.connected.heapUsed - first.connected.heapUsed,
      },
      gaugesAfterEveryDisconnect: rounds.every(
        ({ released }) => !released.subscriptions && !released.groups && !released.connections,
      ),
      perRound: rounds,
    };
    writeFileSync(path.join(ROOT_DIR, 'bench/results/subscription-scale.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(JSON.stringify({ ...results, perRound: undefined }, null, 2));
  } finally {
    inspector?.close();
    await clients?.stop();
    await Promise.all(processes.map((service) => service.stop()));
    await dropDatabases(databases);
  }
}

const describe = ({ rss, heapUsed, external }: Memory) =>
  `RSS ${mb(rss)} MB, heap ${mb(heapUsed)} MB, external ${mb(external)} MB`;
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/** Polls `read` until `done` says so (a minute at most); returns the last reading. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} after 60 s: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The subscriber threads: graphql-ws split over WS_THREADS, one thread per HTTP transport. */
class Clients {
  private constructor(private readonly workers: Worker[]) {}

  static async start(gatewayUrl: string, users: string[]): Promise<Clients> {
    let next = 0;
    const shares: { transport: ScaleTransport; count: number }[] = [
      ...Array.from({ length: WS_THREADS }, (_, t) => ({
        transport: 'graphql-ws' as const,
        count: Math.floor(COUNTS['graphql-ws'] / WS_THREADS) + (t < COUNTS['graphql-ws'] % WS_THREADS ? 1 : 0),
      })),
      { transport: 'graphql-sse', count: COUNTS['graphql-sse'] },
      { transport: 'multipart', count: COUNTS.multipart },
    ];
    const workers = shares
      .filter(({ count }) => count > 0)
      .map(({ transport, count }) => {
        // Subscriber i is user i % USERS, across every transport.
        const authorizations = Array.from({ length: count }, () => users[next++ % users.length]!);
        return new Worker(
          `require('tsx/cjs'); require(${JSON.stringify(path.join(__dirname, 'subscription-scale-worker.ts'))});`,
          { eval: true, workerData: { gatewayUrl, transport, authorizations, query: SUBSCRIPTION } satisfies ScaleWorkerInput },
        );
      });
    return new Clients(workers);
  }

  async connect(): Promise<void> {
    const replies = await this.command({ type: 'connect' }, 'connected');
    const failures = replies.flatMap((reply) => (reply.type === 'connected' ? reply.failures : []));
    if (failures.length) throw new Error(`subscribers could not connect: ${failures.join('; ')}`);
  }

  async disconnect(): Promise<void> {
    await this.command({ type: 'disconnect' }, 'disconnected');
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private command(command: ScaleWorkerCommand, answer: ScaleWorkerReply['type']): Promise<ScaleWorkerReply[]> {
    return Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<ScaleWorkerReply>((resolve, reject) => {
            const onMessage = (reply: ScaleWorkerReply) => {
              if (reply.type === 'error') console.error(`subscriber error: ${reply.message}`);
              if (reply.type !== answer) return;
              worker.off('message', onMessage);
              worker.off('error', reject);
              resolve(reply);
            };
            worker.on('message', onMessage);
            worker.on('error', reject);
            worker.postMessage(command);
          }),
      ),
    );
  }
}

/** The gateway's V8 inspector (Chrome DevTools Protocol): full collections and heap readings. */
class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, (message: { result?: unknown; error?: unknown }) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: unknown };
      if (message.id !== undefined) this.pending.get(message.id)?.(message);
      if (message.id !== undefined) this.pending.delete(message.id);
    });
  }

  static async connect(port: number): Promise<Inspector> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
    const socket = new WebSocket(targets[0]!.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new Inspector(socket);
  }

  /** The heap after full collections (two: the first may leave garbage its finalisers freed). */
  async memory(): Promise<Omit<Memory, 'rss'>> {
    await this.send('HeapProfiler.collectGarbage');
    await this.send('HeapProfiler.collectGarbage');
    const { result } = (await this.send('Runtime.evaluate', {
      expression: 'JSON.stringify(process.memoryUsage())',
      returnByValue: true,
    })) as { result: { value: string } };
    const usage = JSON.parse(result.value) as NodeJS.MemoryUsage;
    return { heapUsed: usage.heapUsed, external: usage.external };
  }

  close(): void {
    this.socket.close();
  }

  private send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, ({ result, error }) => (error ? reject(new Error(JSON.stringify(error))) : resolve(result)));
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }
}

/** A TCP port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
