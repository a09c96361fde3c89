// The schema engine runs as WebAssembly in an ES module, which jest's sandbox cannot load, so
// these tests drive it through the same commands developers and CI use, in child processes.
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { prismaPaths, ROOT_DIR } from '../../../shared/paths';
import { databaseUrlVar, SUBGRAPHS } from '../../../shared/services';
import { dropDatabase, uncreatedDatabaseUrl } from '../../support/databases';
import { openSession } from '../../../shared/db/session';

const run = promisify(execFile);
const tsx = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT_DIR, env: { ...process.env, ...env } });

describe('migrations', () => {
  it('should find every schema.prisma in agreement with its committed migrations', async () => {
    const { stdout } = await tsx(['prisma/check-drift.ts']);
    for (const name of SUBGRAPHS) expect(stdout).toContain(`${name}: schema.prisma and migrations agree`);
  }, 120_000);

  it('should detect a schema.prisma that drifted from its migrations', async () => {
    const schema = await readFile(prismaPaths('user').schema, 'utf8');
    // A column added to the User model, whatever its alignment.
    const drifted = schema.replace(/^(\s*name\s+String\s*)$/m, '$1\n  nickname String?');
    expect(drifted).not.toBe(schema);
    const script = `require('./shared/db/migrations').diffMigrationsToSchema('user', { path: 'schema.prisma', content: ${JSON.stringify(drifted)} })
      .then((sql) => { process.stdout.write(sql); process.exit(0); })`;
    const { stdout } = await tsx(['-e', script]);
    expect(stdout).toMatch(/ALTER TABLE "users" ADD COLUMN\s+"nickname" TEXT/);
  }, 60_000);

  it('should create missing databases and apply migrations once, through `npm run db:migrate`', async () => {
    const suffix = `${process.pid}_${Date.now()}`;
    const names = Object.fromEntries(
      SUBGRAPHS.map((name) => [name, `shop_test_${process.env.TEST_RUN_ID ?? 'adhoc'}_migrate_${suffix}_${name}`]),
    );
    const urls = Object.fromEntries(SUBGRAPHS.map((name) => [name, uncreatedDatabaseUrl(names[name]!)]));
    const env = Object.fromEntries(SUBGRAPHS.map((name) => [databaseUrlVar(name), urls[name]!]));
    try {
      const first = await tsx(['prisma/migrate.ts'], env);
      for (const name of SUBGRAPHS) expect(first.stdout).toMatch(new RegExp(`${name}: applied \\d+_init`));
      const orderMigrations = (await readdir(prismaPaths('order').migrations)).filter((entry) => /^\d/.test(entry));
      const second = await tsx(['prisma/migrate.ts'], env);
      for (const name of SUBGRAPHS) expect(second.stdout).toContain(`${name}: up to date`);
      const rows = await queryOnce<{ migration_name: string; finished_at: Date }>(
        urls.order!,
        'SELECT migration_name, finished_at FROM _prisma_migrations',
      );
      expect(rows.map((row) => row.migration_name).sort()).toEqual(orderMigrations.sort());
      for (const row of rows) expect(row.finished_at).toBeInstanceOf(Date);
    } finally {
      for (const url of Object.values(urls)) await dropDatabase(url);
    }
  }, 60_000);
});

async function queryOnce<Row>(url: string, sql: string): Promise<Row[]> {
  const session = await openSession(url);
  try {
    return await session.query<Row>(sql);
  } finally {
    await session.close();
  }
}
