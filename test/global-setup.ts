import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { reachable } from './support/backends';
import { ADMIN_URL } from './support/databases';
import { TEST_REDIS_URL } from './support/events';

/** A server that answers is used; else its embedded equivalent (see test/support/backends.ts). */
async function chooseBackends(): Promise<void> {
  const forced = process.env.TEST_BACKENDS === 'embedded';
  const hasPostgres = !forced && (await reachable(ADMIN_URL, 5432));
  const hasRedis = !forced && (await reachable(TEST_REDIS_URL, 6379));
  process.env.TEST_POSTGRES = hasPostgres ? 'server' : 'embedded';
  process.env.TEST_REDIS = hasRedis ? 'server' : 'embedded';
  const missing = [
    !hasPostgres && 'PostgreSQL (tests use embedded PGlite databases)',
    !hasRedis && 'Redis (tests use the in-process event bus and skip the tests about Redis itself)',
  ];
  for (const line of missing.filter(Boolean))
    process.stdout.write(`\nNo ${line}${forced ? ', as TEST_BACKENDS=embedded asks' : ''}.`);
}

export default async function globalSetup(): Promise<void> {
  // Each project that needs the backends names this setup; one run prepares them once.
  if (process.env.TEST_RUN_ID) return;
  await chooseBackends();
  // Inherited by the test workers: names this run's databases (see test/support/databases.ts).
  process.env.TEST_RUN_ID = randomBytes(3).toString('hex');
  const root = path.resolve(__dirname, '..');
  execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'test/support/prepare-templates.ts')], {
    cwd: root,
    stdio: 'inherit',
  });
}
