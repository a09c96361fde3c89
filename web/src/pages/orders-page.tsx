import { useQuery } from '@apollo/client/react';
import { Link } from 'react-router';
import { useDocumentTitle } from '../components/document-title';
import { ErrorMessage } from '../components/error-message';
import { Loading } from '../components/loading';
import { Price } from '../components/price';
import { StatusBadge } from '../components/status-badge';
import { graphql } from '../generated';
import { date } from '../lib/format';
import { shortOrderId } from '../lib/order-status';

const ORDER_HISTORY = graphql(`
  query StorefrontOrderHistory {
    me {
      id
      orders(first: 50) {
        id
        status
        version
        createdAt
        total {
          amount
          currency
        }
        items {
          id
          productName
          quantity
        }
      }
    }
  }
`);

function summary(items: readonly { productName: string; quantity: number }[]): string {
  const [first, ...rest] = items;
  if (!first) return 'No items';
  const head = `${first.productName}${first.quantity > 1 ? ` × ${first.quantity}` : ''}`;
  return rest.length ? `${head} and ${rest.length} more` : head;
}

export function OrdersPage() {
  const { data, loading, error } = useQuery(ORDER_HISTORY, { fetchPolicy: 'cache-and-network' });
  useDocumentTitle('Your orders');
  const orders = data?.me?.orders;

  return (
    <section>
      <h1 tabIndex={-1}>Your orders</h1>
      <ErrorMessage error={error} />
      {!orders && loading && <Loading label="Loading your orders…" />}
      {orders?.length === 0 && (
        <div className="empty">
          <h2>No orders yet</h2>
          <p>
            Everything you order appears here. Start in the <Link to="/">catalogue</Link>.
          </p>
        </div>
      )}
      {orders && orders.length > 0 && (
        <ul className="order-list" aria-label="Orders">
          {orders.map((order) => (
            <li key={order.id} className="card order-row">
              <Link to={`/orders/${order.id}`} className="order-row-link">
                <span className="order-id">{shortOrderId(order.id)}</span>
                <span className="muted">{date(order.createdAt)}</span>
              </Link>
              <span className="order-items">{summary(order.items)}</span>
              <Price value={order.total} className="strong" />
              <StatusBadge status={order.status} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
