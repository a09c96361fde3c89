// `npm start` takes its settings from a .env at the project root when there is one (copy
// .env.example, where every variable is listed). Imported first by scripts/start.ts: tracing reads
// OTEL_* as it loads.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT_DIR } from '../shared/paths';

export const ENV_FILE = path.join(ROOT_DIR, '.env');

/**
 * Loads `file` into process.env when it exists; returns whether it did. What the environment
 * already sets wins over the file, an empty value too: process.loadEnvFile never overwrites a
 * variable that exists.
 */
export function loadEnvFileIfPresent(file: string): boolean {
  if (!existsSync(file)) return false;
  process.loadEnvFile(file);
  return true;
}

/** Whether the launcher read ENV_FILE. */
export const envFileLoaded = loadEnvFileIfPresent(ENV_FILE);
