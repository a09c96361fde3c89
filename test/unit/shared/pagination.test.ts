// Cursor pagination (shared/pagination.ts) without a database: cursors, page sizes, the query of
// a page and the connection built from its rows.
import {
  decodeCursor,
  encodeCursor,
  keysetPage,
  MAX_PAGE_SIZE,
  readPage,
  toConnection,
  type Page,
} from '../../../shared/pagination';
import { thrown } from '../../support/thrown';

/** A distinct, valid id per `n`. */
const idOf = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;
const buildRows = (count: number) => Array.from({ length: count }, (_, i) => ({ id: idOf(i + 1), name: `row ${i + 1}` }));
const buildPage = (overrides: Partial<Page> = {}): Page => ({ take: 3, afterId: undefined, ...overrides });

const NOT_A_CURSOR = {
  message: 'after is not a cursor returned by this API.',
  extensions: { code: 'BAD_USER_INPUT', field: 'after' },
};

describe('cursors', () => {
  it('should decode a cursor to the id it was encoded from', () => {
    expect(decodeCursor(encodeCursor(idOf(7)))).toBe(idOf(7));
  });

  it('should be opaque: URL-safe and not the bare id', () => {
    const cursor = encodeCursor(idOf(7));
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain(idOf(7));
  });

  it('should refuse forged or invalid cursors as bad input on the after argument', () => {
    const base64url = (text: string) => Buffer.from(text).toString('base64url');
    const forged = [
      '',
      'nope',
      idOf(7),
      base64url(idOf(7)),
      base64url('cursor:'),
      base64url('cursor:not-an-id'),
      base64url(`cursor:${idOf(7)} `),
      base64url(`offset:${idOf(7)}`),
    ];
    for (const cursor of forged) {
      expect([cursor, thrown(() => decodeCursor(cursor))]).toEqual([cursor, NOT_A_CURSOR]);
    }
  });
});

describe('page arguments', () => {
  it('should default the page size and leave the start open without a cursor', () => {
    expect(readPage({})).toEqual({ take: 20, afterId: undefined });
    expect(readPage({ first: null, after: null }, 5)).toEqual({ take: 5, afterId: undefined });
  });

  it('should read the page size and the id after which to start', () => {
    expect(readPage({ first: 7, after: encodeCursor(idOf(3)) })).toEqual({ take: 7, afterId: idOf(3) });
  });

  it(`should accept page sizes from 1 to ${MAX_PAGE_SIZE}`, () => {
    expect(readPage({ first: 1 }).take).toBe(1);
    expect(readPage({ first: MAX_PAGE_SIZE }).take).toBe(MAX_PAGE_SIZE);
  });

  it('should refuse a page size out of bounds or fractional as bad input on first', () => {
    for (const first of [0, -1, MAX_PAGE_SIZE + 1, 2.5]) {
      expect(thrown(() => readPage({ first }))).toEqual({
        message: `first must be between 1 and ${MAX_PAGE_SIZE}, got ${first}.`,
        extensions: { code: 'BAD_USER_INPUT', field: 'first' },
      });
    }
  });

  it('should check the page size before the cursor', () => {
    expect(thrown(() => readPage({ first: 0, after: 'nope' })).extensions.field).toBe('first');
    expect(thrown(() => readPage({ first: 1, after: 'nope' }))).toEqual(NOT_A_CURSOR);
  });
});

describe('connections', () => {
  it('should report a next page when the extra row was fetched, and leave that row out', () => {
    const connection = toConnection(buildRows(4), buildPage({ take: 3 }));
    expect(connection.edges.map(({ node }) => node.id)).toEqual([idOf(1), idOf(2), idOf(3)]);
    expect(connection.pageInfo).toEqual({ hasNextPage: true, endCursor: encodeCursor(idOf(3)) });
  });

  it('should report no next page for a full page without the extra row, or a short page', () => {
    expect(toConnection(buildRows(3), buildPage({ take: 3 })).pageInfo).toEqual({
      hasNextPage: false,
      endCursor: encodeCursor(idOf(3)),
    });
    expect(toConnection(buildRows(1), buildPage({ take: 3 })).pageInfo.hasNextPage).toBe(false);
  });

  it('should give each edge the cursor of its node, and the next page start after the last one', () => {
    const connection = toConnection(buildRows(3), buildPage({ take: 2 }));
    for (const edge of connection.edges) expect(decodeCursor(edge.cursor)).toBe(edge.node.id);
    expect(readPage({ first: 2, after: connection.pageInfo.endCursor }).afterId).toBe(idOf(2));
  });

  it('should have no end cursor for an empty page', () => {
    expect(toConnection([], buildPage())).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });
});

describe('keyset pages', () => {
  it('should fetch the first page from the start, one row more than asked', () => {
    expect(keysetPage(buildPage({ take: 3 }), { status: 'PAID' })).toEqual({
      where: { status: 'PAID' },
      orderBy: { id: 'asc' },
      take: 4,
    });
  });

  it('should fetch the rows past the cursor by comparing ids, so the cursor row need not exist', () => {
    expect(keysetPage(buildPage({ afterId: idOf(2) }), { status: 'PAID' })).toEqual({
      where: { status: 'PAID', id: { gt: idOf(2) } },
      orderBy: { id: 'asc' },
      take: 4,
    });
  });

  it('should fetch smaller ids after the cursor when newest come first', () => {
    expect(keysetPage(buildPage({ afterId: idOf(2) }), {}, 'desc')).toEqual({
      where: { id: { lt: idOf(2) } },
      orderBy: { id: 'desc' },
      take: 4,
    });
  });

  it('should leave the filter it was given untouched', () => {
    const where = { status: 'PAID' };
    keysetPage(buildPage({ afterId: idOf(2) }), where);
    expect(where).toEqual({ status: 'PAID' });
  });
});
