import { useId, useState } from 'react';
import { useMutation, useQuery, useSubscription } from '@apollo/client/react';
import { Link } from 'react-router';
import { resubscribeAfterRefusal } from '../api/live';
import { useDocumentTitle } from '../components/document-title';
import { ErrorMessage } from '../components/error-message';
import { LiveBadge } from '../components/live-badge';
import { LoadMoreButton, useLoadMore } from '../components/load-more';
import { Loading } from '../components/loading';
import { Price } from '../components/price';
import { StatusBadge } from '../components/status-badge';
import { graphql } from '../generated';
import type { OrderStatus } from '../generated/graphql';
import { dateTime } from '../lib/format';
import { adminNextStatus, ORDER_STATUSES, shortOrderId, STATUS_LABELS } from '../lib/order-status';

const PAGE_SIZE = 20;

const ADMIN_ORDERS = graphql(`
  query StorefrontAdminOrders($filter: OrderFilter, $first: Int!, $after: String) {
    orders(filter: $filter, first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          id
          status
          version
          createdAt
          total {
            amount
            currency
          }
          user {
            id
            name
            email
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

// Every order's changes (an administrator sees them all), so the list stays current while open.
const ALL_ORDER_UPDATES = graphql(`
  subscription StorefrontAdminOrderUpdates {
    orderStatusChanged {
      id
      orderId
      order {
        id
        status
        version
      }
    }
  }
`);

const MOVE_ORDER = graphql(`
  mutation StorefrontMoveOrder($orderId: ID!, $status: OrderStatus!) {
    updateOrderStatus(id: $orderId, status: $status) {
      id
      status
      version
    }
  }
`);

export function AdminPage() {
  const [status, setStatus] = useState<OrderStatus | ''>('');
  const filterId = useId();
  const variables = { filter: status ? { status } : {}, first: PAGE_SIZE };
  const orders = useQuery(ADMIN_ORDERS, { variables, fetchPolicy: 'cache-and-network', notifyOnNetworkStatusChange: true });
  useDocumentTitle('Admin · Orders');
  const page = orders.data?.orders ?? orders.previousData?.orders;

  const subscription = useSubscription(ALL_ORDER_UPDATES, {
    onError: () => resubscribeAfterRefusal(() => subscription.restart()),
    // A change of an order this list does not show yet (a new one, or one now matching the
    // filter) brings the list up to date; those it shows update in place through the cache.
    onData: ({ data }) => {
      const orderId = data.data?.orderStatusChanged.orderId;
      if (orderId && !page?.edges.some((edge) => edge.node.id === orderId)) void orders.refetch().catch(() => undefined);
    },
  });

  const more = useLoadMore(page, (after) => orders.fetchMore({ variables: { after } }));

  return (
    <section className="admin">
      <div className="admin-header">
        <h1 tabIndex={-1}>Orders</h1>
        <LiveBadge />
      </div>
      <div className="toolbar">
        <label htmlFor={filterId}>Status</label>
        <select id={filterId} value={status} onChange={(event) => setStatus(event.target.value as OrderStatus | '')}>
          <option value="">All statuses</option>
          {ORDER_STATUSES.map((option) => (
            <option key={option} value={option}>
              {STATUS_LABELS[option]}
            </option>
          ))}
        </select>
        {page && (
          <span className="muted" aria-live="polite">
            {page.totalCount} {page.totalCount === 1 ? 'order' : 'orders'}
          </span>
        )}
      </div>
      <ErrorMessage error={orders.error} />
      {!page && orders.loading && <Loading label="Loading orders…" />}
      {page && page.edges.length === 0 && (
        <p className="empty">No orders {status ? `with status “${STATUS_LABELS[status]}”` : 'yet'}.</p>
      )}
      {page && page.edges.length > 0 && (
        <table className="admin-orders">
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Customer</th>
              <th scope="col">Placed</th>
              <th scope="col" className="numeric">
                Total
              </th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {page.edges.map(({ node }) => (
              <tr key={node.id} data-order-id={node.id}>
                <td data-label="Order">
                  <Link to={`/orders/${node.id}`}>{shortOrderId(node.id)}</Link>
                </td>
                <td data-label="Customer">
                  {node.user ? (
                    <span className="customer">
                      {node.user.name}
                      <span className="muted small">{node.user.email}</span>
                    </span>
                  ) : (
                    <span className="muted">Deleted account</span>
                  )}
                </td>
                <td data-label="Placed">{dateTime(node.createdAt)}</td>
                <td data-label="Total" className="numeric">
                  <Price value={node.total} />
                </td>
                <td data-label="Status">
                  <StatusBadge status={node.status} />
                </td>
                <td data-label="Action">
                  <MoveButton orderId={node.id} status={node.status} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMoreButton page={page} {...more} />
    </section>
  );
}

function MoveButton({ orderId, status }: { orderId: string; status: OrderStatus }) {
  const [move, { loading, error }] = useMutation(MOVE_ORDER);
  const next = adminNextStatus(status);
  if (!next) return null;
  const verb = next === 'SHIPPED' ? 'Ship' : 'Mark delivered';
  return (
    <div className="row-action">
      <button
        type="button"
        className="button button-small button-primary"
        disabled={loading}
        aria-label={`${verb} order ${shortOrderId(orderId)}`}
        onClick={() => void move({ variables: { orderId, status: next } }).catch(() => undefined)}
      >
        {loading ? '…' : verb}
      </button>
      <ErrorMessage error={error} />
    </div>
  );
}
