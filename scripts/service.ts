// The container image's entry point (`node scripts/service.js ...` in the compiled build; the same
// under tsx: `node --import tsx scripts/service.ts ...`):
//   service <gateway|user|product|order|payment>   runs that service until SIGTERM
//   service migrate <user|product|order|payment|all> creates the database if missing, applies
//                                                    pending migrations, exits 0 (or 1)
//   service seed [--if-empty]                        replaces the data with the demo data set
// Nothing is loaded at the top but the list of names (shared/config alone already loads undici and
// http): a service's entry point must load first, so that tracing hooks http and pg before anything
// else loads them.
import type { EnvReader } from '../shared/config';
import { isSubgraphName, SUBGRAPHS, type SubgraphName } from '../shared/services';

const SERVICES = ['gateway', ...SUBGRAPHS] as const;
const USAGE = [
  'Usage:',
  `  service <${SERVICES.join('|')}>`,
  `  service migrate <${SUBGRAPHS.join('|')}|all>`,
  '  service seed [--if-empty]',
].join('\n');

function usage(problem: string): never {
  console.error(`${problem}\n${USAGE}`);
  process.exit(2);
}

/** The database URL of each subgraph to migrate: a migration step holds no other secret. */
export function readMigrationTargets(env: EnvReader, names: readonly SubgraphName[]): [SubgraphName, string][] {
  const { readDatabaseUrl } = require('../shared/config') as typeof import('../shared/config');
  return names.map((name) => [name, readDatabaseUrl(env, name)]);
}

async function migrate(names: readonly SubgraphName[]): Promise<void> {
  const { ensureDatabase } = require('../shared/db/ensure-database') as typeof import('../shared/db/ensure-database');
  const { applyMigrations } = require('../shared/db/migrations') as typeof import('../shared/db/migrations');
  const { EnvReader } = require('../shared/config') as typeof import('../shared/config');
  const env = new EnvReader();
  const targets = readMigrationTargets(env, names);
  env.done();
  for (const [name, url] of targets) {
    try {
      if (await ensureDatabase(url)) console.log(`${name}: created database`);
    } catch (error) {
      // A managed server may not let this user open the maintenance database or create one; the
      // database the URL names may exist all the same, and migrating it says whether it does.
      console.warn(`${name}: could not check that the database exists (${(error as Error).message}); migrating it anyway`);
    }
    const applied = await applyMigrations(name, url);
    console.log(`${name}: ${applied.length ? `applied ${applied.join(', ')}` : 'migrations up to date'}`);
  }
}

function main([command, ...rest]: string[]): void {
  if (command === 'migrate') {
    const [target, ...extra] = rest;
    if (!target || extra.length || !(target === 'all' || isSubgraphName(target))) {
      usage(`migrate needs one subgraph name or "all", got "${rest.join(' ')}"`);
    }
    migrate(target === 'all' ? SUBGRAPHS : [target]).then(
      // The schema engine leaves a timer behind: the work is done, so the process ends here.
      () => process.exit(0),
      (error: unknown) => {
        console.error(`migration failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  } else if (command === 'seed') {
    // The seed script reads its own flags (--if-empty) from the arguments after the script.
    process.argv.splice(2, 1);
    require('../prisma/seed');
  } else if (command === 'gateway' && !rest.length) {
    require('../gateway/index');
  } else if (command && isSubgraphName(command) && !rest.length) {
    require(`../subgraphs/${command}/index`);
  } else {
    usage(command ? `Unknown command "${[command, ...rest].join(' ')}".` : 'No service named.');
  }
}

if (require.main === module) main(process.argv.slice(2));
