// `prisma migrate deploy` and `prisma migrate diff`, run through the WASM schema engine so they
// work wherever the services run. Migration folders and the `_prisma_migrations` table keep
// Prisma's own layout: the Prisma CLI can take over wherever its engine is available.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationList } from '@prisma/schema-engine-wasm/schema_engine_bg' with { 'resolution-mode': 'import' };
import { prismaPaths } from '../paths';
import type { SubgraphName } from '../services';
import { acquireEmbedded, isEmbeddedUrl } from './embedded';
import { openSession, type DatabaseSession } from './session';
import { openSchemaEngine, type SchemaEngine, type SchemaFile } from './schema-engine';

const NO_FILTERS = { externalTables: [], externalEnums: [] };
const LOCKFILE = 'migration_lock.toml';

export async function readSchemaFile(name: SubgraphName): Promise<SchemaFile> {
  const { schema } = prismaPaths(name);
  return { path: schema, content: await readFile(schema, 'utf8') };
}

/** The committed migration folders of a subgraph, in the order they apply. */
export async function readMigrationList(name: SubgraphName): Promise<MigrationList> {
  const { migrations } = prismaPaths(name);
  const entries = existsSync(migrations) ? await readdir(migrations, { withFileTypes: true }) : [];
  const folders = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const lockPath = `${migrations}/${LOCKFILE}`;
  return {
    baseDir: migrations,
    lockfile: { path: LOCKFILE, content: existsSync(lockPath) ? await readFile(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      folders.map(async (folder) => ({
        path: folder,
        migrationFile: {
          path: 'migration.sql',
          content: { tag: 'ok' as const, value: await readFile(`${migrations}/${folder}/migration.sql`, 'utf8') },
        },
      })),
    ),
  };
}

async function withEngine<T>(
  schema: SchemaFile,
  adapter: SqlMigrationAwareDriverAdapterFactory,
  work: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const engine = await openSchemaEngine(schema, adapter);
  try {
    return await work(engine);
  } finally {
    engine.free();
  }
}

/**
 * Applies the pending migrations of one subgraph to its database: `prisma migrate deploy`.
 * Idempotent, and safe when several replicas start at once (the engine takes an advisory lock).
 * The same engine and migration folders serve a PostgreSQL server and an embedded database.
 * Returns the names of the migrations it applied.
 */
export async function applyMigrations(name: SubgraphName, databaseUrl: string): Promise<string[]> {
  const migrationsList = await readMigrationList(name);
  if (await upToDate(databaseUrl, migrationsList)) return [];
  const schema = await readSchemaFile(name);
  return withMigrationAdapter(databaseUrl, (adapter) =>
    withEngine(schema, adapter, async (engine) => {
      const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: NO_FILTERS });
      return appliedMigrationNames;
    }),
  );
}

/**
 * Whether the database has applied exactly the committed migrations, unchanged (the checksum
 * Prisma records is the SHA-256 of migration.sql): then there is nothing for the engine to do,
 * and every start skips loading it. Anything else (a new, edited, failed or unknown migration, no
 * migrations table yet) is left to the engine to apply or report.
 */
async function upToDate(url: string, { migrationDirectories }: MigrationList): Promise<boolean> {
  let session: DatabaseSession | undefined;
  try {
    session = await openSession(url);
    const applied = await session.query<{ migration_name: string; checksum: string }>(
      'SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const committed = new Map(
      migrationDirectories.map(({ path, migrationFile }) => [
        path,
        migrationFile.content.tag === 'ok' ? createHash('sha256').update(migrationFile.content.value).digest('hex') : '',
      ]),
    );
    return applied.length === committed.size && applied.every((row) => committed.get(row.migration_name) === row.checksum);
  } catch {
    return false;
  } finally {
    await session?.close();
  }
}

/**
 * Runs `work` with an adapter of its own on the database, closed when done: the engine does not
 * close its connections, and one left open would hold the migration advisory lock (or the
 * embedded database) until the process exits.
 */
async function withMigrationAdapter<T>(
  url: string,
  work: (adapter: SqlMigrationAwareDriverAdapterFactory) => Promise<T>,
): Promise<T> {
  if (isEmbeddedUrl(url)) {
    const { PrismaPGlite } = require('pglite-prisma-adapter') as typeof import('pglite-prisma-adapter');
    const handle = acquireEmbedded(url);
    try {
      return await work(new PrismaPGlite(handle.pglite));
    } finally {
      await handle.release();
    }
  }
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    return await work(new PrismaPg(pool));
  } finally {
    await pool.end();
  }
}

/**
 * The SQL that would bring the committed migrations in line with schema.prisma (empty when they
 * agree): `prisma migrate diff --from-migrations --to-schema`. Replays the migrations on an
 * in-memory PGlite as the shadow database, so no server is needed.
 */
export async function diffMigrationsToSchema(name: SubgraphName, schema?: SchemaFile): Promise<string> {
  // Loaded on demand: services on a PostgreSQL server never need them.
  const { PGlite } = await import('@electric-sql/pglite');
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  schema ??= await readSchemaFile(name);
  const migrationsList = await readMigrationList(name);
  const pglite = new PGlite();
  try {
    return await withEngine(schema, new PrismaPGlite(pglite), async (engine) => {
      const { stdout } = await engine.diff({
        // With no migration yet there is nothing to replay: diff from an empty database.
        from: migrationsList.migrationDirectories.length ? { tag: 'migrations', ...migrationsList } : { tag: 'empty' },
        to: { tag: 'schemaDatamodel', files: [schema] },
        script: true,
        exitCode: null,
        filters: NO_FILTERS,
      });
      return isEmptyMigration(stdout ?? '') ? '' : (stdout ?? '');
    });
  } finally {
    await pglite.close();
  }
}

function isEmptyMigration(sql: string): boolean {
  return sql.split('\n').every((line) => line.trim() === '' || line.trim().startsWith('--'));
}
