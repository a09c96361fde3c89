// Every test file gets its own databases, cloned from templates that global setup migrated
// once per run. Cloning takes milliseconds where migrating takes seconds, and clones are
// dropped when the file ends, so parallel runs never collide.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { prismaPaths } from '../../shared/paths';
import { SUBGRAPHS, type SubgraphName } from '../../shared/services';

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
