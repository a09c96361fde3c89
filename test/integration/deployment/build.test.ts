// The compiled build is what the container image runs (Dockerfile: `node scripts/service.js
// <name>`), with no TypeScript loader. This builds it into a temporary directory, as `npm run build`
// does into dist/, and runs a subgraph from it in production mode on its own database.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from '../../../scripts/build';
import { ROOT_DIR } from '../../../shared/paths';
import type { ReadyMessage } from '../../../shared/server/run';
import { createTestDatabases, type TestDatabases } from '../../support/databases';
import { deleteKeys, TEST_BUS_ENV, TEST_EVENTS_PREFIX } from '../../support/events';
import { TEST_REDIS } from '../../support/backends';

const BUILD_TIMEOUT_MS = 120_000;

/** Every file below `dir`, relative to it. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

describe('the compiled build (npm run build)', () => {
  let out: string;
  let databases: TestDatabases;

  beforeAll(async () => {
    out = mkdtempSync(path.join(tmpdir(), 'shop-build-'));
    build(out);
    // The image puts node_modules beside the compiled code; so does this.
    symlinkSync(path.join(ROOT_DIR, 'node_modules'), path.join(out, 'node_modules'), 'dir');
    databases = await createTestDatabases(['product']);
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    await databases?.drop();
    if (TEST_REDIS === 'server') await deleteKeys(TEST_EVENTS_PREFIX);
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('should hold JavaScript only, with every file the services read at run time beside it', () => {
    const files = filesBelow(out).filter((file) => !file.startsWith('node_modules'));
    expect(files.filter((file) => /\.[cm]?ts$/.test(file))).toEqual([]);
    for (const file of [
      'scripts/service.js',
      'gateway/index.js',
      'gateway/supergraph.graphql',
      'supergraph.yaml',
      'prisma/product/generated/client.js',
      'prisma/product/schema.prisma',
      'prisma/product/migrations/migration_lock.toml',
      ...['user', 'product', 'order', 'payment'].flatMap((name) => [
        `subgraphs/${name}/index.js`,
        `subgraphs/${name}/schema.graphql`,
      ]),
    ]) {
      expect(files).toContain(file);
    }
    // Every migration folder of the sources, with its SQL.
    const migrations = readdirSync(path.join(ROOT_DIR, 'prisma/product/migrations')).filter((entry) => /^\d/.test(entry));
    for (const folder of migrations)
      expect(existsSync(path.join(out, 'prisma/product/migrations', folder, 'migration.sql'))).toBe(true);
  });

  it('should answer an unknown command with its usage and exit code 2, compiled and under tsx alike', () => {
    const compiled = spawnSync(process.execPath, [path.join(out, 'scripts/service.js'), 'inventory'], { encoding: 'utf8' });
    expect(compiled.status).toBe(2);
    expect(compiled.stderr).toContain('Unknown command "inventory"');
    expect(compiled.stderr).toContain('service migrate <user|product|order|payment|all>');
    const sources = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT_DIR, 'scripts/service.ts'), 'migrate', 'nothing'],
      {
        cwd: ROOT_DIR,
        encoding: 'utf8',
      },
    );
    expect(sources.status).toBe(2);
    expect(sources.stderr).toContain('migrate needs one subgraph name or "all"');
  });

  it(
    'should migrate and serve the product subgraph with plain node, ready on /health and /ready, and stop with exit code 0 on SIGTERM',
    async () => {
      const env = {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        // No loader may come in through the environment: the process runs what node runs.
        NODE_OPTIONS: '',
        PRODUCT_DATABASE_URL: databases.product,
        INTERNAL_SECRET: randomBytes(20).toString('hex'),
        EVENTS_PREFIX: TEST_EVENTS_PREFIX,
        ...TEST_BUS_ENV,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
      };
      const script = path.join(out, 'scripts/service.js');

      // The migration step of the image (compose's migrate-product, Kubernetes' init container).
      const migrate = spawnSync(process.execPath, [script, 'migrate', 'product'], { env, encoding: 'utf8' });
      expect({ status: migrate.status, stderr: migrate.stderr }).toEqual({ status: 0, stderr: '' });
      expect(migrate.stdout).toContain('product: migrations up to date');

      const child: ChildProcess = fork(script, ['product'], {
        env: { ...env, MIGRATE_ON_START: 'off' },
        execArgv: [],
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
      );
      try {
        const port = await new Promise<number>((resolve, reject) => {
          child.on('message', (message: ReadyMessage) => message?.type === 'ready' && resolve(message.port));
          void exited.then(({ code }) => reject(new Error(`product exited with ${code} before it was ready:\n${output}`)));
        });
        // What runs is `node <build>/scripts/service.js product`: no tsx, no flags.
        const commandLine = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
        expect(commandLine.slice(1)).toEqual([script, 'product']);
        for (const probe of ['/health', '/ready']) {
          const response = await fetch(`http://127.0.0.1:${port}${probe}`);
          expect({ probe, status: response.status }).toEqual({ probe, status: 200 });
        }
        const answer = await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ categories { name } }' }),
        });
        expect(answer.status).toBe(200);
        expect(await answer.json()).toEqual({ data: { categories: [] } });

        child.kill('SIGTERM');
        expect(await exited).toEqual({ code: 0, signal: null });
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    },
    BUILD_TIMEOUT_MS,
  );
});
