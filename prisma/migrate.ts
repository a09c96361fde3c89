// `npm run db:migrate [-- <subgraph> ...]`: creates each subgraph's database if it is missing and
// applies its pending migrations (`prisma migrate deploy`). Services also migrate themselves
// before serving; this is for operators and CI.
import { EnvReader, readSubgraphConfig } from '../shared/config';
import { applyMigrations } from '../shared/db/migrations';
import { ensureDatabase } from '../shared/db/ensure-database';
import { isSubgraphName, SUBGRAPHS, type SubgraphName } from '../shared/services';

export async function migrateAll(names: readonly SubgraphName[] = SUBGRAPHS, log = console.log): Promise<void> {
  const env = new EnvReader();
  const urls = names.map((name) => [name, readSubgraphConfig(env, name).databaseUrl] as const);
  env.done();
  for (const [name, url] of urls) {
    if (await ensureDatabase(url)) log(`${name}: created database`);
    const applied = await applyMigrations(name, url);
    log(`${name}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
  }
}

if (require.main === module) {
  const requested = process.argv.slice(2);
  const unknown = requested.filter((name) => !isSubgraphName(name));
  if (unknown.length) {
    console.error(`unknown subgraph(s): ${unknown.join(', ')}; expected ${SUBGRAPHS.join(', ')}`);
    process.exit(2);
  }
  migrateAll(requested.length ? (requested as SubgraphName[]) : SUBGRAPHS).then(
    // The schema engine leaves a timer behind; the work is done.
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
