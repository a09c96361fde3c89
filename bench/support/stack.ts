// The real stack for benchmarks: fresh databases on the PostgreSQL server, the four subgraphs and
// our gateway as their own processes in production mode, and the secrets a run makes for itself.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { signAccessToken } from '../../shared/auth/access-token';
import { readAccessTokenSigningConfig } from '../../shared/auth/config';
import type { Identity } from '../../shared/auth/identity';
import { EnvReader } from '../../shared/config';
import { applyMigrations } from '../../shared/db/migrations';
import { startServiceProcess, type ServiceProcess } from '../../shared/process/service-process';
import { databaseUrlVar, START_WAVES, subgraphUrlVar, SUBGRAPHS, type SubgraphName } from '../../shared/services';

export const ADMIN_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Names this run's databases and event streams, so that runs never meet. */
export const RUN_ID = randomBytes(3).toString('hex');

// The stack runs in production mode, which refuses the development secrets and key: a run makes its own.
export const SECRETS = {
  ACCESS_TOKEN_SIGNING_KEY: JSON.stringify(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' })),
  INTERNAL_SECRET: randomBytes(32).toString('hex'),
};

export type Secrets = typeof SECRETS;

/** An Authorization header value for `identity`, valid for the whole run. */
export function bearer(identity: Identity, secrets: Secrets = SECRETS): string {
  const config = readAccessTokenSigningConfig(new EnvReader({ NODE_ENV: 'production', ...secrets }));
  // A session of its own, which nothing revokes, at the version of an account never changed.
  const session = { sessionId: randomUUID(), version: 0 };
  return `Bearer ${signAccessToken(identity, session, config.signingKey, { ...config, ttlSeconds: 6 * 60 * 60 }).token}`;
}

/** Sends one operation; throws on GraphQL errors. `any`: benchmarks read a few known fields. */
export async function request(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  if (body.errors?.length) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

export type DatabaseUrls = Record<SubgraphName, string>;

/** One migrated, empty database per subgraph, named after the run. */
export async function createDatabases(): Promise<DatabaseUrls> {
  const urls = {} as DatabaseUrls;
  await withAdmin(async (admin) => {
    for (const name of SUBGRAPHS) {
      const database = `shop_bench_${RUN_ID}_${name}`;
      await admin.query(`CREATE DATABASE "${database}"`);
      const url = new URL(ADMIN_URL);
      url.pathname = `/${database}`;
      urls[name] = url.toString();
      await applyMigrations(name, urls[name]);
    }
  });
  return urls;
}

export async function dropDatabases(urls: DatabaseUrls): Promise<void> {
  await withAdmin(async (admin) => {
    for (const url of Object.values(urls))
      await admin.query(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`);
  });
}

async function withAdmin(work: (admin: pg.Client) => Promise<void>): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await work(admin);
  } finally {
    await admin.end();
  }
}

/** What every service of a benchmark run is started with. */
export function serviceEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    REDIS_URL,
    EVENTS_PREFIX: `bench:${RUN_ID}:`,
    // Load from one address and a handful of users, on purpose.
    RATE_LIMIT_IP_PER_MINUTE: '0',
    RATE_LIMIT_USER_PER_MINUTE: '0',
    ...SECRETS,
    ...extra,
  };
}

/** BENCH_PROFILE=<dir>: every service writes a CPU profile there when it stops (open in Chrome DevTools). */
export function profileFlags(): string[] {
  return process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
}

export interface Subgraphs {
  processes: ServiceProcess[];
  /** USER_SUBGRAPH_URL etc., for whatever is started next to them. */
  urls: Record<string, string>;
  byName: Record<SubgraphName, ServiceProcess>;
}

/** The four subgraphs, each in its own process, started in dependency order (one at a time). */
export async function startSubgraphs(databases: DatabaseUrls, processes: ServiceProcess[]): Promise<Subgraphs> {
  const urls: Record<string, string> = {};
  const byName = {} as Record<SubgraphName, ServiceProcess>;
  for (const name of START_WAVES.flat()) {
    const service = await startServiceProcess(name, {
      env: serviceEnv({ ...urls, [databaseUrlVar(name)]: databases[name] }),
      onOutput: (chunk) => process.stderr.write(`[${name}] ${chunk}`),
      nodeFlags: profileFlags(),
    });
    processes.push(service);
    byName[name] = service;
    urls[subgraphUrlVar(name)] = service.url;
  }
  return { processes, urls, byName };
}

/** Our gateway in front of `subgraphs`. */
export async function startGateway(subgraphs: Subgraphs, env: Record<string, string> = {}): Promise<ServiceProcess> {
  const gateway = await startServiceProcess('gateway', {
    env: serviceEnv({ ...subgraphs.urls, ...env }),
    onOutput: (chunk) => process.stderr.write(`[gateway] ${chunk}`),
    nodeFlags: profileFlags(),
  });
  subgraphs.processes.push(gateway);
  return gateway;
}
