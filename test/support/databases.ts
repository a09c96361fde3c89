// Every test file gets its own databases, cloned from templates that global setup migrated
// once per run. Cloning takes milliseconds where migrating takes seconds, and clones are
// dropped when the file ends, so parallel runs never collide. On a PostgreSQL server a clone is
// CREATE DATABASE ... TEMPLATE; embedded (no server reachable), it is a copy of the template's
// PGlite data directory.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { cp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { embeddedDirectory, embeddedUrl } from '../../shared/db/embedded';
import { prismaPaths, ROOT_DIR } from '../../shared/paths';
import { SUBGRAPHS, type SubgraphName } from '../../shared/services';
import { TEST_POSTGRES } from './backends';

/** A superuser connection for creating and dropping databases. */
export const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Named after the migrations it holds, so a changed migration gets a fresh template. */
export function templateName(name: SubgraphName): string {
  const { migrations } = prismaPaths(name);
  const hash = createHash('sha256');
  for (const folder of readdirSync(migrations).sort()) {
    const file = path.join(migrations, folder, 'migration.sql');
    if (folder.match(/^\d/)) hash.update(folder).update(readFileSync(file));
  }
  return `shop_template_${name}_${hash.digest('hex').slice(0, 12)}`;
}

/** The URL of a database not created yet, on this run's kind of PostgreSQL, for a tool to create. */
export function uncreatedDatabaseUrl(database: string): string {
  return TEST_POSTGRES === 'embedded' ? embeddedUrl(path.join(embeddedRunDir(), database)) : databaseUrl(database);
}

/** Drops a database a test created through `uncreatedDatabaseUrl`. */
export async function dropDatabase(url: string): Promise<void> {
  if (TEST_POSTGRES === 'embedded') {
    await rm(embeddedDirectory(url), { recursive: true, force: true });
    return;
  }
  const database = decodeURIComponent(new URL(url).pathname.slice(1));
  await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
}

/** The URL of a database that does not exist, on this run's kind of PostgreSQL. */
export function missingDatabaseUrl(database: string): string {
  return TEST_POSTGRES === 'embedded' ? embeddedUrl(path.join('/nonexistent', database)) : databaseUrl(database);
}

/** Where embedded templates are kept between runs (migrating them takes a while). */
export function embeddedTemplateDir(name: SubgraphName): string {
  return path.join(ROOT_DIR, '.data', 'test-templates', templateName(name));
}

/** Where this run's embedded databases live; teardown removes it. */
export function embeddedRunDir(runId = process.env.TEST_RUN_ID ?? 'adhoc'): string {
  return path.join(tmpdir(), `shop-test-${runId}`);
}

export async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Global setup sets TEST_RUN_ID, so a run's teardown drops only its own leftovers. */
export function testDatabasePrefix(runId = process.env.TEST_RUN_ID ?? 'adhoc'): string {
  return `shop_test_${runId}`;
}

export type TestDatabases = Record<SubgraphName, string> & { drop(): Promise<void> };

/** Fresh, migrated, empty databases for the given subgraphs (all four by default). */
export async function createTestDatabases(names: readonly SubgraphName[] = SUBGRAPHS): Promise<TestDatabases> {
  if (TEST_POSTGRES === 'embedded') return createEmbeddedDatabases(names);
  const prefix = `${testDatabasePrefix()}_${randomBytes(4).toString('hex')}`;
  const created: string[] = [];
  const urls = {} as Record<SubgraphName, string>;
  await withAdmin(async (admin) => {
    for (const name of names) {
      const database = `${prefix}_${name}`;
      await admin.query(`CREATE DATABASE "${database}" TEMPLATE "${templateName(name)}"`);
      created.push(database);
      urls[name] = databaseUrl(database);
    }
  });
  return {
    ...urls,
    drop: () =>
      withAdmin(async (admin) => {
        for (const database of created) await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      }),
  };
}

async function createEmbeddedDatabases(names: readonly SubgraphName[]): Promise<TestDatabases> {
  const directory = path.join(embeddedRunDir(), randomBytes(4).toString('hex'));
  const urls = {} as Record<SubgraphName, string>;
  for (const name of names) {
    await cp(embeddedTemplateDir(name), path.join(directory, name), { recursive: true });
    urls[name] = embeddedUrl(path.join(directory, name));
  }
  return { ...urls, drop: () => rm(directory, { recursive: true, force: true }) };
}
