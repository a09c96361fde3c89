// Embedded PostgreSQL: PGlite (PostgreSQL compiled to WebAssembly) in this process, one data
// directory per database, for machines without a PostgreSQL server. A database URL of the form
// `pglite:<directory>` names one; everything that takes a database URL accepts it.
//
// A data directory must be opened by one PGlite at a time, so each process keeps one instance
// per directory and hands it to every user (Prisma client, migrations, outbox relay), counting
// them; the last one to let go closes it, which flushes it to disk.
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';

const SCHEME = 'pglite:';

export function isEmbeddedUrl(url: string): boolean {
  return url.startsWith(SCHEME);
}

/** The URL of the embedded database in `directory` (made absolute). */
export function embeddedUrl(directory: string): string {
  return `${SCHEME}${path.resolve(directory)}`;
}

export function embeddedDirectory(url: string): string {
  return url.slice(SCHEME.length);
}

/** One user's hold on an open embedded database; `release` once done with it. */
export interface EmbeddedHandle {
  pglite: PGlite;
  release(): Promise<void>;
}

interface OpenDatabase {
  pglite: PGlite;
  users: number;
}

const open = new Map<string, OpenDatabase>();

// Required lazily: production images that only ever talk to a PostgreSQL server never load it.
function pgliteClass(): typeof PGlite {
  return (require('@electric-sql/pglite') as typeof import('@electric-sql/pglite')).PGlite;
}

/** Opens (or joins) the embedded database at `url`. Queries wait until it is ready. */
export function acquireEmbedded(url: string): EmbeddedHandle {
  const directory = embeddedDirectory(url);
  let database = open.get(directory);
  if (!database) {
    database = { pglite: new (pgliteClass())(directory), users: 0 };
    // A database that cannot open fails every query on it; it must not also crash the process
    // as an unhandled rejection before anyone queried.
    database.pglite.waitReady.catch(() => undefined);
    open.set(directory, database);
  }
  database.users += 1;
  const held = database;
  let released = false;
  return {
    pglite: held.pglite,
    release: async () => {
      if (released) return;
      released = true;
      held.users -= 1;
      if (held.users > 0) return;
      open.delete(directory);
      // One that never opened has nothing to close.
      await held.pglite.waitReady.then(
        () => held.pglite.close(),
        () => undefined,
      );
    },
  };
}

/**
 * Creates the data directory of an embedded database that does not exist yet. PostgreSQL's
 * initdb takes seconds under WebAssembly, so it runs once, into an empty cluster kept beside the
 * databases, and every database starts as a copy of that.
 */
export async function prepareEmbedded(url: string): Promise<boolean> {
  const directory = embeddedDirectory(url);
  if (existsSync(path.join(directory, 'PG_VERSION'))) return false;
  const parent = path.dirname(directory);
  const template = path.join(parent, '.empty-cluster');
  if (!existsSync(path.join(template, 'PG_VERSION'))) {
    const building = `${template}-${process.pid}`;
    await rm(building, { recursive: true, force: true });
    await mkdir(parent, { recursive: true });
    const pglite = new (pgliteClass())(building);
    await pglite.waitReady;
    await pglite.close();
    // Renamed only once complete: a start killed half-way never leaves a broken template. Another
    // process may have won the race; its template is as good as ours.
    await rename(building, template).catch(() => rm(building, { recursive: true, force: true }));
  }
  await cp(template, directory, { recursive: true });
  return true;
}
