// An order that stays current while its page is open: fetched once, then kept up to date by the
// order-status subscription (each change carries the whole order, written into Apollo's cache,
// so the page re-renders with it).
import { useEffect } from 'react';
import { useQuery, useSubscription } from '@apollo/client/react';
import { onReconnected, resubscribeAfterRefusal } from './live';
import { ORDER, ORDER_UPDATES } from './order-documents';

/**
 * PENDING is the one status that changes by itself within a second (the product subgraph
 * reserves the stock). A change made after the page's query but before the gateway has taken its
 * subscription would not be sent: polling while PENDING closes that gap. Every later change
 * follows something done long after the page opened.
 */
const PENDING_POLL_MS = 1_500;

export function useLiveOrder(orderId: string) {
  const query = useQuery(ORDER, { variables: { id: orderId }, fetchPolicy: 'cache-and-network' });
  const status = query.data?.order?.status;
  const { refetch, startPolling, stopPolling } = query;

  useEffect(() => {
    if (status === 'PENDING') startPolling(PENDING_POLL_MS);
    else stopPolling();
    return () => stopPolling();
  }, [status, startPolling, stopPolling]);

  // Whatever changed while the connection was down was sent to nobody: fetch it.
  useEffect(() => onReconnected(() => void refetch().catch(() => undefined)), [refetch]);

  const subscription = useSubscription(ORDER_UPDATES, {
    variables: { orderId },
    onError: () => resubscribeAfterRefusal(() => subscription.restart()),
  });

  return { ...query, order: query.data?.order ?? undefined, subscriptionError: subscription.error };
}
