// `npm run build [-- --out <dir>]`: the runtime code compiled to JavaScript (dist/ by default),
// what the container image runs with plain `node`, no TypeScript loader. The output mirrors the
// source tree, and the files the code reads at run time (SDL, supergraph, Prisma schemas and
// migrations) are copied beside it, so shared/paths.ts resolves them from dist/ as from the
// sources. The generated Prisma clients (prisma/<name>/generated, TypeScript) compile with the rest:
// run `npm run db:generate` first if they are missing (`npm ci` does).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT_DIR as ROOT } from '../shared/paths';

/** Where the code the compiled services read at run time lives. */
const SOURCE_DIRS = ['shared', 'subgraphs', 'gateway', 'prisma', 'scripts'];
/** Read at run time from the repository root: the dev launcher checks composition against it. */
const ROOT_FILES = ['supergraph.yaml'];
/** Sources only: compiled, or never needed at run time. */
const NOT_COPIED = /\.(ts|tsx|md)$/;

/** Every file below `dir` (relative to ROOT) that the compiler does not produce. */
function runtimeAssets(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return runtimeAssets(relative);
    return NOT_COPIED.test(entry.name) ? [] : [relative];
  });
}

/** Compiles into `outDir` (emptied first); returns how many files were copied beside the code. */
export function build(outDir: string): number {
  if (!existsSync(path.join(ROOT, 'prisma/user/generated/client.ts'))) {
    throw new Error('The Prisma clients are not generated: run `npm run db:generate` first.');
  }
  // The directory is emptied first: never the repository, a folder holding it, or one of its own.
  const inside = path.relative(ROOT, outDir);
  const topLevel = inside.split(path.sep)[0]!;
  const ownFolder =
    inside &&
    !inside.startsWith('..') &&
    !path.isAbsolute(inside) &&
    topLevel !== 'dist' &&
    existsSync(path.join(ROOT, topLevel));
  if (ROOT === outDir || ROOT.startsWith(outDir + path.sep) || ownFolder) {
    throw new Error(
      `Refusing to build into ${outDir}: it holds the sources. Choose dist/ or a directory outside the repository.`,
    );
  }
  rmSync(outDir, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', outDir],
    { cwd: ROOT, stdio: 'inherit' },
  );
  const assets = [...SOURCE_DIRS.flatMap(runtimeAssets), ...ROOT_FILES];
  for (const file of assets) {
    mkdirSync(path.dirname(path.join(outDir, file)), { recursive: true });
    copyFileSync(path.join(ROOT, file), path.join(outDir, file));
  }
  return assets.length;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  // The only forms: no argument, or `--out <directory>`.
  const out = args.length === 0 ? path.join(ROOT, 'dist') : args.length === 2 && args[0] === '--out' ? args[1] : undefined;
  if (!out) {
    console.error('Usage: npm run build [-- --out <directory>]');
    process.exit(2);
  }
  try {
    const copied = build(path.resolve(out));
    console.log(`built into ${path.relative(process.cwd(), path.resolve(out)) || '.'} (${copied} files copied beside the code)`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
