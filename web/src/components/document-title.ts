import { useEffect } from 'react';

/** The tab's title, so history and screen readers name the page. */
export function useDocumentTitle(title: string | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} · Federated Shop` : 'Federated Shop';
  }, [title]);
}
