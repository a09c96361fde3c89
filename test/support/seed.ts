// Runs the seed the way operators do, `npm run db:seed`, in its own process: faker is an ES
// module, which jest's CommonJS sandbox cannot load.
import { execFile } from 'node:child_process';
import { ROOT_DIR } from '../../shared/paths';
import { databaseUrlVar, SUBGRAPHS, type SubgraphName } from '../../shared/services';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `production`: as compose's one-shot seed service runs it, in production mode with the database
 * URLs and nothing else of the services' configuration (no Redis, no secrets).
 */
export function runSeedCli(
  urls: Record<SubgraphName, string>,
  args: string[] = [],
  { production = false } = {},
): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = production
    ? { PATH: process.env.PATH, NODE_ENV: 'production' }
    : { ...process.env, NODE_ENV: 'development' };
  for (const name of SUBGRAPHS) env[databaseUrlVar(name)] = urls[name];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'prisma/seed.ts', ...args],
      { cwd: ROOT_DIR, env },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Seeds the given databases, failing loudly when the seed does. */
export async function seedDatabases(urls: Record<SubgraphName, string>): Promise<void> {
  const run = await runSeedCli(urls);
  if (run.code !== 0) throw new Error(`seed failed (${run.code}):\n${run.stderr}${run.stdout}`);
}
