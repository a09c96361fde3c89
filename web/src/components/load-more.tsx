// "Load more" under a cursor-paginated list: one more page after the last cursor, the button busy
// meanwhile, and how much of the whole list is on screen.
import { useState } from 'react';

interface Page {
  edges: readonly unknown[];
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

/** Fetches the page after `page`'s last cursor; `loadingMore` is true while it does. */
export function useLoadMore(page: Page | undefined, fetchMore: (after: string) => Promise<unknown>) {
  const [loadingMore, setLoadingMore] = useState(false);
  const loadMore = async () => {
    const after = page?.pageInfo.endCursor;
    if (!after) return;
    setLoadingMore(true);
    try {
      await fetchMore(after);
    } finally {
      setLoadingMore(false);
    }
  };
  return { loadingMore, loadMore };
}

export function LoadMoreButton({ page, loadingMore, loadMore }: { page: Page | undefined } & ReturnType<typeof useLoadMore>) {
  if (!page?.pageInfo.hasNextPage) return null;
  return (
    <div className="load-more">
      <button type="button" className="button" onClick={() => void loadMore()} disabled={loadingMore}>
        {loadingMore ? 'Loading…' : `Load more (${page.edges.length} of ${page.totalCount} shown)`}
      </button>
    </div>
  );
}
