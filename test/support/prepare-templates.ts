// Run by jest's global setup in a plain Node process (the WASM schema engine is an ES module,
// which jest's CommonJS sandbox cannot load): migrates one template database per subgraph, on
// the PostgreSQL server or, embedded, as a PGlite data directory.
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { embeddedUrl } from '../../shared/db/embedded';
import { ensureDatabase } from '../../shared/db/ensure-database';
import { applyMigrations } from '../../shared/db/migrations';
import { SUBGRAPHS, type SubgraphName } from '../../shared/services';
import { TEST_POSTGRES } from './backends';
import { databaseUrl, embeddedTemplateDir, templateName, withAdmin } from './databases';

async function prepareOnServer(name: SubgraphName): Promise<void> {
  const template = templateName(name);
  const building = `${template}_building`;
  const exists = await withAdmin(async (admin) => {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (rowCount) return true;
    await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${building}"`);
    return false;
  });
  if (exists) return;
  await applyMigrations(name, databaseUrl(building));
  // Renamed only once complete: a run killed half-way never leaves a broken template.
  await withAdmin((admin) => admin.query(`ALTER DATABASE "${building}" RENAME TO "${template}"`));
}

async function prepareEmbedded(name: SubgraphName): Promise<void> {
  const template = embeddedTemplateDir(name);
  if (existsSync(template)) return;
  const building = `${template}-building`;
  await rm(building, { recursive: true, force: true });
  await ensureDatabase(embeddedUrl(building));
  await applyMigrations(name, embeddedUrl(building));
  await rename(building, template);
}

async function main(): Promise<void> {
  const prepare = TEST_POSTGRES === 'embedded' ? prepareEmbedded : prepareOnServer;
  // Embedded, one after the other: PGlite runs on this one thread anyway.
  if (TEST_POSTGRES === 'embedded') for (const name of SUBGRAPHS) await prepare(name);
  else await Promise.all(SUBGRAPHS.map(prepare));
}

main().then(
  // The schema engine leaves a timer running; nothing else is pending.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
