// `npm run build:web`: the storefront (web/) built by Vite into web/dist, which the gateway serves
// at / when WEB_DIST_DIR names it. `npm start` builds it when it is missing or older than its
// sources (about 4 s on two cores), so a fresh clone and an edited app both serve what is there;
// in development `npm run dev:web` serves web/ with hot reload instead.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ROOT_DIR } from '../shared/paths';

export const WEB_DIR = path.join(ROOT_DIR, 'web');
export const WEB_DIST = path.join(WEB_DIR, 'dist');

/** What the build reads: the app and its generated documents, its config, and the locked dependencies. */
const SOURCES = ['web/index.html', 'web/vite.config.mts', 'web/src', 'web/public', 'package-lock.json'];

function newestChange(file: string): number {
  if (!existsSync(file)) return 0;
  const stats = statSync(file);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(file).reduce((newest, entry) => Math.max(newest, newestChange(path.join(file, entry))), stats.mtimeMs);
}

/** Whether `dist` lacks a build, or one of the sources changed since it was built. */
export function webAppIsStale(dist = WEB_DIST): boolean {
  const built = path.join(dist, 'index.html');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return SOURCES.some((source) => newestChange(path.join(ROOT_DIR, source)) > builtAt);
}

/**
 * Builds the app into `outDir`. The build goes to a fresh folder beside it that then takes its
 * place, so a gateway serving `outDir` never sees half a build, and two launchers building at once
 * (test workers) cannot interleave their files: the second one's finished build simply wins.
 */
export async function buildWebApp(outDir = WEB_DIST): Promise<void> {
  const suffix = randomBytes(4).toString('hex');
  const staging = `${outDir}.building-${suffix}`;
  const previous = `${outDir}.previous-${suffix}`;
  const vite = path.join(ROOT_DIR, 'node_modules/vite/bin/vite.js');
  const args = [vite, 'build', '--config', path.join(WEB_DIR, 'vite.config.mts'), '--outDir', staging, '--logLevel', 'warn'];
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, args, { cwd: ROOT_DIR, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`The storefront did not build (web/):\n${stderr || stdout || error.message}`));
        else resolve();
      });
    });
    await rename(outDir, previous).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rename(staging, outDir).catch((error: NodeJS.ErrnoException) => {
      // Another build took the place in between: it is the same app.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } finally {
    await Promise.all([rm(staging, { recursive: true, force: true }), rm(previous, { recursive: true, force: true })]);
  }
}

if (require.main === module) {
  const started = performance.now();
  buildWebApp().then(
    () =>
      console.log(
        `built the storefront into ${path.relative(process.cwd(), WEB_DIST)} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      ),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
