// Relay-style cursor pagination. Cursors are opaque to clients; inside they are the id of the
// last row seen, and every paginated list orders by id so a cursor stays valid while rows change.
import { badUserInput } from './errors';
import { isId } from './validation';

export const MAX_PAGE_SIZE = 100;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface Page {
  take: number;
  afterId: string | undefined;
}

export function encodeCursor(id: string): string {
  return Buffer.from(`cursor:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString();
  const id = decoded.startsWith('cursor:') ? decoded.slice('cursor:'.length) : '';
  if (!isId(id)) throw badUserInput('after is not a cursor returned by this API.', 'after');
  return id;
}

/** Validates `first`/`after` and turns them into a page to fetch. */
export function readPage({ first, after }: PageArgs, defaultSize = 20): Page {
  const take = first ?? defaultSize;
  if (!Number.isInteger(take) || take < 1 || take > MAX_PAGE_SIZE) {
    throw badUserInput(`first must be between 1 and ${MAX_PAGE_SIZE}, got ${take}.`, 'first');
  }
  return { take, afterId: after ? decodeCursor(after) : undefined };
}

/** Ascending: oldest first (ids are UUIDv7); descending: newest first. */
export type KeysetOrder = 'asc' | 'desc';

/**
 * The `findMany` arguments of one page of a list ordered by id: the rows past the cursor's id
 * (`id > cursor` ascending, `id < cursor` descending) and one more, which only tells whether
 * another page follows. A comparison, not Prisma's `cursor` option, which looks the cursor row up:
 * a cursor stays valid after its row is deleted. Every paginated list goes through here.
 */
export function keysetPage<Where extends object>(page: Page, where: Where, order: KeysetOrder = 'asc') {
  return {
    where: page.afterId ? { ...where, id: order === 'asc' ? { gt: page.afterId } : { lt: page.afterId } } : where,
    orderBy: { id: order },
    take: page.take + 1,
  };
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/**
 * Builds a connection from rows fetched with `take + 1` (`keysetPage`): the extra row, if present, only tells
 * that another page exists.
 */
export function toConnection<T extends { id: string }>(rows: T[], page: Page): Connection<T> {
  const nodes = rows.slice(0, page.take);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(node.id), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > page.take, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
