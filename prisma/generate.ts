// `npm run db:generate` (also run after every install): generates each subgraph's Prisma client
// into prisma/<name>/generated. Clients are build output and never committed.
import { execFileSync } from 'node:child_process';
import { prismaPaths } from '../shared/paths';
import { SUBGRAPHS } from '../shared/services';

const prismaCli = require.resolve('prisma/build/index.js');

for (const name of SUBGRAPHS) {
  execFileSync(process.execPath, [prismaCli, 'generate', '--schema', prismaPaths(name).schema], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      // The CLI insists on locating its native schema engine (downloading it if absent) even
      // though `generate` never runs it. Any existing file satisfies the check offline.
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
    },
  });
  console.log(`generated the ${name} Prisma client`);
}
