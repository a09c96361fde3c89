// `npm run db:check`: fails when a subgraph's schema.prisma and its committed migrations disagree
// (someone changed the schema and forgot `npm run db:migration`, or edited a migration by hand).
import { diffMigrationsToSchema } from '../shared/db/migrations';
import { SUBGRAPHS } from '../shared/services';

async function main(): Promise<number> {
  let drifted = 0;
  for (const name of SUBGRAPHS) {
    const sql = await diffMigrationsToSchema(name);
    if (!sql) {
      console.log(`${name}: schema.prisma and migrations agree`);
      continue;
    }
    drifted += 1;
    console.error(
      `${name}: schema.prisma differs from its migrations; \`npm run db:migration -- ${name} <name>\` would write:\n${sql}`,
    );
  }
  return drifted ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
