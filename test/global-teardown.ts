// Drops this run's databases that a test file left behind when it died before its clean-up, and
// this run's Redis keys.
import { rm } from 'node:fs/promises';
import { chosenBackends } from './support/backends';
import { embeddedRunDir, testDatabasePrefix, withAdmin } from './support/databases';
import { deleteKeys, testRunPrefix } from './support/events';

export default async function globalTeardown(): Promise<void> {
  const { postgres, redis } = chosenBackends();
  if (postgres === 'embedded') await rm(embeddedRunDir(), { recursive: true, force: true });
  else {
    const prefix = testDatabasePrefix();
    await withAdmin(async (admin) => {
      const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [
        `${prefix}_`,
      ]);
      for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    });
  }
  if (redis === 'server') await deleteKeys(testRunPrefix());
}
