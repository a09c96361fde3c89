// Helpers for DataLoader batch functions. DataLoader requires exactly one result per key, in
// the order of the keys; these put rows from one `WHERE key IN (...)` query into that shape.
import DataLoader from 'dataloader';
import { notFound } from './errors';
import { isId, requireId } from './validation';

/** One row (or null) per key. */
export function byKey<K, V>(keys: readonly K[], rows: readonly V[], keyOf: (row: V) => K): (V | null)[] {
  const index = new Map<K, V>();
  for (const row of rows) index.set(keyOf(row), row);
  return keys.map((key) => index.get(key) ?? null);
}

/** All rows per key (an empty list where there are none). */
export function groupByKey<K, V>(keys: readonly K[], rows: readonly V[], keyOf: (row: V) => K): V[][] {
  const groups = new Map<K, V[]>();
  for (const row of rows) {
    const group = groups.get(keyOf(row));
    if (group) group.push(row);
    else groups.set(keyOf(row), [row]);
  }
  return keys.map((key) => groups.get(key) ?? []);
}

/**
 * A loader of rows by id. Ids that cannot exist (not UUIDs, e.g. from a hand-written entity
 * representation) resolve to null without reaching the database.
 */
export function idLoader<V extends { id: string }>(fetch: (ids: string[]) => Promise<V[]>): DataLoader<string, V | null> {
  return new DataLoader(
    async (ids) => {
      const valid = ids.filter(isId);
      const rows = valid.length ? await fetch([...new Set(valid)]) : [];
      return byKey(ids, rows, (row) => row.id);
    },
    { maxBatchSize: 1000 },
  );
}

/**
 * The entity a root `x(id: ID!)` query asks for: BAD_USER_INPUT for a malformed id, NOT_FOUND
 * for an unknown one. (Entity references resolve unknown ids to null instead.)
 */
export async function loadRequired<V>(loader: DataLoader<string, V | null>, type: string, id: string): Promise<V> {
  const row = await loader.load(requireId(id));
  if (!row) throw notFound(type, id);
  return row;
}
