// Run by jest's global setup in a plain Node process (the WASM schema engine is an ES module,
// which jest's CommonJS sandbox cannot load): migrates one template database per subgraph.
import { applyMigrations } from '../../shared/db/migrations';
import { SUBGRAPHS } from '../../shared/services';
import { databaseUrl, templateName, withAdmin } from './databases';

async function main(): Promise<void> {
  await Promise.all(
    SUBGRAPHS.map(async (name) => {
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
    }),
  );
}

main().then(
  // The schema engine leaves a timer running; nothing else is pending.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
