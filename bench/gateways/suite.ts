// `npm run bench`: our gateway side by side with Hive Gateway (both runtimes) and stock
// @apollo/gateway, in one run, in front of the same four subgraph processes on a larger seeded
// data set. Each operation is driven by autocannon from a process of its own: a warm-up, then the
// measured window, one gateway at a time. Then our gateway alone under load for a longer soak
// (memory over time) and the subscription delivery benchmark. Results go to
// bench/results/gateways.json and into the table in BENCHMARKS.md.
import { fork, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import path from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { ROOT_DIR } from '../../shared/paths';
import type { ServiceProcess } from '../../shared/process/service-process';
import { SUBGRAPHS } from '../../shared/services';
import { seed } from '../../prisma/seed/index';
import { cpuMilliseconds, sampleMemory } from '../support/process-stats';
import { createDatabases, dropDatabases, SECRETS, startSubgraphs, type DatabaseUrls, type Subgraphs } from '../support/stack';
import type { LoadRequest, LoadResult } from './load';
import { WORKLOADS, type Fixtures, type OperationName } from './operations';
import { ensurePeersInstalled, GATEWAYS, type GatewayName, type GatewayUnderTest } from './peers';
import { writeReport, type SuiteResults, type Measurement } from './report';

const settings = {
  connections: Number(process.env.BENCH_CONNECTIONS ?? 20),
  warmupSeconds: Number(process.env.BENCH_WARMUP ?? 5),
  durationSeconds: Number(process.env.BENCH_DURATION ?? 15),
  soakSeconds: Number(process.env.BENCH_SOAK ?? 300),
  gateways: list<GatewayName>(process.env.BENCH_GATEWAYS, Object.keys(GATEWAYS) as GatewayName[]),
  operations: list<OperationName>(process.env.BENCH_OPERATIONS, ['catalogue', 'orderHistory', 'largeOrders', 'placeAndPay']),
  sizes: { users: 1_000, products: 300, orders: 20_000 },
};

function list<T extends string>(value: string | undefined, all: T[]): T[] {
  if (!value) return all;
  const chosen = value.split(',').map((item) => item.trim()) as T[];
  const unknown = chosen.filter((item) => !all.includes(item));
  if (unknown.length) throw new Error(`Unknown ${unknown.join(', ')}; choose from ${all.join(', ')}`);
  return chosen;
}

async function main(): Promise<void> {
  // Only Hive Gateway lives in bench/peers: a run without it needs no 500 MB install.
  if (settings.gateways.some((name) => name.startsWith('hive'))) ensurePeersInstalled();
  const databases = await createDatabases();
  const processes: ServiceProcess[] = [];
  const gateways: GatewayUnderTest[] = [];
  const load = startLoadProcess();
  try {
    log(`Seeding ${settings.sizes.users} users, ${settings.sizes.products} products, ${settings.sizes.orders} orders...`);
    await seed(databases, { sizes: settings.sizes });
    const fixtures = await prepareFixtures(databases);
    const subgraphs = await startSubgraphs(databases, processes);
    for (const name of settings.gateways) {
      log(`Starting ${GATEWAYS[name].label}...`);
      gateways.push(await GATEWAYS[name].start(subgraphs));
    }
    const measurements: Measurement[] = [];
    // Operation by operation, every gateway in turn, so that all of them read the same data
    // (the mutations, which add orders, come last).
    // Each operation starts with the next gateway in turn, so that no gateway always measures
    // first (right after start-up, when the databases are still settling).
    for (const [index, operation] of settings.operations.entries()) {
      for (const gateway of [...gateways.slice(index % gateways.length), ...gateways.slice(0, index % gateways.length)]) {
        const measurement = await measure(gateway, operation, fixtures, subgraphs, load);
        measurements.push(measurement);
        log(summaryLine(measurement));
      }
    }
    const ours = gateways.find((gateway) => gateway.name === 'ours');
    const soak = ours && settings.soakSeconds > 0 ? await soakTest(ours, fixtures, load) : null;
    for (const gateway of gateways.splice(0)) await gateway.stop();
    await Promise.all(processes.splice(0).map((service) => service.stop()));
    const subscriptions = process.env.BENCH_SUBSCRIPTIONS === 'off' ? null : await subscriptionBenchmark();

    const results: SuiteResults = {
      date: new Date().toISOString(),
      command: 'npm run bench',
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version },
      settings,
      versions: Object.fromEntries(settings.gateways.map((name) => [name, GATEWAYS[name].version()])),
      labels: Object.fromEntries(settings.gateways.map((name) => [name, GATEWAYS[name].label])),
      titles: Object.fromEntries(settings.operations.map((name) => [name, WORKLOADS[name].title])),
      measurements,
      soak,
      subscriptions,
    };
    writeFileSync(path.join(ROOT_DIR, 'bench/results/gateways.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeReport(results);
    log('Results: bench/results/gateways.json and BENCHMARKS.md');
  } finally {
    load.kill();
    for (const gateway of gateways) await gateway.stop();
    await Promise.all(processes.map((service) => service.stop()));
    await dropDatabases(databases);
  }
}

/** What the workloads need from the seeded data: real customers, products and categories. */
async function prepareFixtures(databases: DatabaseUrls): Promise<Fixtures> {
  const query = async <T>(url: string, sql: string): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  };
  const [admin] = await query<{ id: string }>(databases.user, `SELECT id FROM users WHERE role = 'ADMIN' ORDER BY id LIMIT 1`);
  const customers = await query<{ user_id: string }>(
    databases.order,
    `SELECT user_id FROM orders GROUP BY user_id HAVING count(*) >= 10 ORDER BY user_id LIMIT 50`,
  );
  // Every order the run places must find its stock (the bench's own database; the services never do this).
  await query(databases.product, `UPDATE products SET stock = 100000000`);
  // Statistics and visibility maps for the freshly loaded tables now, not by autovacuum mid-run.
  for (const url of Object.values(databases)) await query(url, 'VACUUM ANALYZE');
  const products = await query<{ id: string }>(databases.product, `SELECT id FROM products ORDER BY id LIMIT 100`);
  const categories = await query<{ id: string }>(databases.product, `SELECT id FROM categories ORDER BY id`);
  if (!admin || customers.length === 0) throw new Error('the seeded data set has no admin or no customer with 10 orders');
  return {
    adminId: admin.id,
    customerIds: customers.map((row) => row.user_id),
    productIds: products.map((row) => row.id),
    categoryIds: categories.map((row) => row.id),
  };
}

interface LoadProcess {
  run(request: Omit<LoadRequest, 'type' | 'secrets'>): Promise<LoadResult>;
  kill(): void;
}

function startLoadProcess(): LoadProcess {
  const child: ChildProcess = fork(path.join(__dirname, 'load.ts'), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  return {
    run: (request) =>
      new Promise((resolve, reject) => {
        const onMessage = (message: { type: string; result?: LoadResult; message?: string }) => {
          child.off('message', onMessage);
          if (message.type === 'result' && message.result) resolve(message.result);
          else reject(new Error(message.message ?? 'load process failed'));
        };
        child.on('message', onMessage);
        child.send({ type: 'run', secrets: SECRETS, ...request } satisfies LoadRequest);
      }),
    kill: () => child.kill(),
  };
}

async function statementCount(subgraphs: Subgraphs): Promise<number> {
  const counts = await Promise.all(
    SUBGRAPHS.map(async (name) => {
      const text = await (await fetch(new URL('/metrics', subgraphs.byName[name].url))).text();
      return Number(/^db_statements_total(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? NaN);
    }),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}

function subgraphCpu(subgraphs: Subgraphs): number {
  return SUBGRAPHS.reduce((sum, name) => sum + cpuMilliseconds(subgraphs.byName[name].child.pid!), 0);
}

async function measure(
  gateway: GatewayUnderTest,
  operation: OperationName,
  fixtures: Fixtures,
  subgraphs: Subgraphs,
  load: LoadProcess,
): Promise<Measurement> {
  const base = { url: gateway.url, operation, fixtures, auth: gateway.auth, connections: settings.connections };
  await load.run({ ...base, durationSeconds: settings.warmupSeconds });
  const before = {
    cpu: cpuMilliseconds(gateway.pid),
    subgraphCpu: subgraphCpu(subgraphs),
    statements: await statementCount(subgraphs),
  };
  const memory = sampleMemory(gateway.pid);
  const result = await load.run({ ...base, durationSeconds: settings.durationSeconds });
  const { peakBytes } = memory.stop();
  const after = {
    cpu: cpuMilliseconds(gateway.pid),
    subgraphCpu: subgraphCpu(subgraphs),
    statements: await statementCount(subgraphs),
  };
  const perRequest = (delta: number) => Math.round((delta / Math.max(1, result.requests)) * 100) / 100;
  return {
    gateway: gateway.name,
    operation,
    ...result,
    gatewayCpuMsPerRequest: perRequest(after.cpu - before.cpu),
    subgraphCpuMsPerRequest: perRequest(after.subgraphCpu - before.subgraphCpu),
    // The metrics requests themselves are not SQL; the count is the subgraphs' statements only.
    sqlStatementsPerRequest: perRequest(after.statements - before.statements),
    peakRssMb: Math.round(peakBytes / 1024 / 1024),
  };
}

/** Our gateway under the deep order history for BENCH_SOAK seconds: does its memory grow? */
async function soakTest(gateway: GatewayUnderTest, fixtures: Fixtures, load: LoadProcess) {
  log(`Soak: ${settings.soakSeconds} s of deep order history through our gateway...`);
  const memory = sampleMemory(gateway.pid, 5_000);
  const result = await load.run({
    url: gateway.url,
    operation: 'orderHistory',
    fixtures,
    auth: gateway.auth,
    connections: settings.connections,
    durationSeconds: settings.soakSeconds,
  });
  const { samples, peakBytes } = memory.stop();
  const minute = Math.max(1, Math.floor(samples.length / 5));
  const averageMb = (part: number[]) => Math.round(part.reduce((sum, bytes) => sum + bytes, 0) / part.length / 1024 / 1024);
  return {
    seconds: settings.soakSeconds,
    requestsPerSecond: result.requestsPerSecond,
    errors: result.errors,
    peakRssMb: Math.round(peakBytes / 1024 / 1024),
    firstFifthAverageRssMb: averageMb(samples.slice(0, minute)),
    lastFifthAverageRssMb: averageMb(samples.slice(-minute)),
  };
}

/** The lifecycle issue's subscription benchmark, on a stack of its own, as part of the suite. */
async function subscriptionBenchmark(): Promise<SuiteResults['subscriptions']> {
  log('Subscription delivery latency (bench/subscription-latency.ts)...');
  const child = fork(path.join(__dirname, '../subscription-latency.ts'), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the subscription benchmark exited with ${code}`);
  return JSON.parse(readFileSync(path.join(ROOT_DIR, 'bench/results/subscription-latency.json'), 'utf8'));
}

function summaryLine(m: Measurement): string {
  return `${m.operation} via ${m.gateway}: ${m.requestsPerSecond} req/s, p50 ${m.latencyMs.p50} ms, p99 ${m.latencyMs.p99} ms, errors ${m.errors}, gateway CPU ${m.gatewayCpuMsPerRequest} ms/req, subgraphs ${m.subgraphCpuMsPerRequest} ms/req, SQL ${m.sqlStatementsPerRequest}/req, RSS ${m.peakRssMb} MB${m.errorSamples.length ? `\n  e.g. ${m.errorSamples[0]}` : ''}`;
}

function log(line: string): void {
  console.log(`[bench] ${line}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
