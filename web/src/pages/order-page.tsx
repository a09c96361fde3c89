import { useRef, useState } from 'react';
import { useMutation } from '@apollo/client/react';
import { Link, useParams } from 'react-router';
import { CANCEL_ORDER, PAY_FOR_ORDER } from '../api/order-documents';
import { useLiveOrder } from '../api/use-live-order';
import { useDocumentTitle } from '../components/document-title';
import { ErrorMessage } from '../components/error-message';
import { LiveBadge } from '../components/live-badge';
import { Loading } from '../components/loading';
import { Price } from '../components/price';
import { StatusBadge } from '../components/status-badge';
import type { OrderDetailFragment } from '../generated/graphql';
import { dateTime } from '../lib/format';
import {
  canCancel,
  canPay,
  MILESTONES,
  milestoneIndex,
  paymentFailureText,
  shortOrderId,
  STATUS_LABELS,
} from '../lib/order-status';

export function OrderPage() {
  const { id = '' } = useParams();
  const { order, loading, error, subscriptionError } = useLiveOrder(id);
  useDocumentTitle(order ? `Order ${shortOrderId(order.id)}` : 'Order');

  if (!order) {
    return (
      <section className="panel narrow">
        {loading ? <Loading label="Loading the order…" /> : <h1 tabIndex={-1}>Order not found</h1>}
        <ErrorMessage error={error} />
        <Link to="/orders">Your orders</Link>
      </section>
    );
  }

  return (
    <article className="order-page">
      <header className="order-header">
        <div>
          <p className="muted">
            <Link to="/orders">Orders</Link> · placed {dateTime(order.createdAt)}
          </p>
          <h1 tabIndex={-1}>Order {shortOrderId(order.id)}</h1>
        </div>
        <div className="order-header-status">
          <span id="order-status" aria-live="polite">
            <StatusBadge status={order.status} />
          </span>
          <LiveBadge />
        </div>
      </header>
      {subscriptionError && <ErrorMessage error={subscriptionError} title="Live updates stopped." />}
      <Progress order={order} />
      <div className="order-columns">
        <div className="order-main">
          <section className="card" aria-labelledby="items-heading">
            <h2 id="items-heading">Items</h2>
            <table className="items">
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col" className="numeric">
                    Qty
                  </th>
                  <th scope="col" className="numeric">
                    Price
                  </th>
                  <th scope="col" className="numeric">
                    Total
                  </th>
                </tr>
              </thead>
              <tbody>
                {order.items.map((item) => (
                  <tr key={item.id}>
                    <td>
                      {item.product ? <Link to={`/products/${item.product.id}`}>{item.productName}</Link> : item.productName}
                    </td>
                    <td className="numeric">{item.quantity}</td>
                    <td className="numeric">
                      <Price value={item.unitPrice} />
                    </td>
                    <td className="numeric">
                      <Price value={item.lineTotal} />
                    </td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row" colSpan={3}>
                    Total
                  </th>
                  <td className="numeric">
                    <Price value={order.total} className="strong" />
                  </td>
                </tr>
              </tfoot>
            </table>
          </section>
          <PaymentPanel order={order} />
          {canCancel(order.status) && <CancelPanel order={order} />}
        </div>
        <aside className="card timeline-card" aria-labelledby="timeline-heading">
          <h2 id="timeline-heading">Timeline</h2>
          <ol className="timeline">
            {order.statusHistory.map((change) => (
              <li key={change.id} className={`timeline-entry tone-${change.to}`}>
                <span className="timeline-dot" aria-hidden="true" />
                <div>
                  <strong>{STATUS_LABELS[change.to]}</strong>
                  <time dateTime={change.at} className="muted small">
                    {dateTime(change.at)}
                  </time>
                  {change.reason && <p className="small">{change.reason}</p>}
                </div>
              </li>
            ))}
          </ol>
        </aside>
      </div>
    </article>
  );
}

function Progress({ order }: { order: OrderDetailFragment }) {
  const reached = milestoneIndex(order.status);
  if (reached < 0) return null;
  return (
    <ol className="progress" aria-label="Order progress">
      {MILESTONES.map((status, index) => (
        <li
          key={status}
          className={index < reached ? 'done' : index === reached ? 'current' : ''}
          aria-current={index === reached ? 'step' : undefined}
        >
          {STATUS_LABELS[status]}
        </li>
      ))}
    </ol>
  );
}

/** The bundled fake processor's test cards: the token is what a real payment form would return. */
const TEST_CARDS = [
  { token: 'tok_visa', label: 'Visa ending 4242', outcome: 'approved' },
  { token: 'tok_decline', label: 'Visa ending 0002', outcome: 'declined' },
  { token: 'tok_insufficient', label: 'Mastercard ending 9995', outcome: 'insufficient funds' },
] as const;

function PaymentPanel({ order }: { order: OrderDetailFragment }) {
  const [card, setCard] = useState<string>(TEST_CARDS[0].token);
  const [pay, { data, loading, error, reset }] = useMutation(PAY_FOR_ORDER);
  // One key per attempt: a retry after a network failure repeats the key, so it can never charge
  // twice; once the processor has answered (captured or declined), the next attempt is a new one.
  const attemptKey = useRef<string | null>(null);
  const attempt = data?.payForOrder;

  const submit = async () => {
    attemptKey.current ??= crypto.randomUUID();
    const result = await pay({
      variables: { orderId: order.id, idempotencyKey: attemptKey.current, paymentToken: card },
    }).catch((failure: unknown) => ({ error: failure, data: undefined }));
    if (result.data || !isNetworkFailure(result.error)) attemptKey.current = null;
  };

  if (!canPay(order.status)) {
    return (
      <section className="card" aria-labelledby="payment-heading">
        <h2 id="payment-heading">Payment</h2>
        {order.status === 'PENDING' ? <Loading label="Reserving your items…" /> : <PaymentOutcome order={order} />}
      </section>
    );
  }

  const declined = attempt?.status === 'FAILED' ? attempt : order.status === 'PAYMENT_FAILED' ? order.payment : undefined;
  return (
    <section className="card" aria-labelledby="payment-heading">
      <h2 id="payment-heading">Payment</h2>
      <div aria-live="assertive">
        {declined && (
          <div className="notice notice-warning" role="alert">
            <strong>Payment declined.</strong> {paymentFailureText(declined.failureReason)} Choose another card and try again.
          </div>
        )}
        {attempt?.status === 'CAPTURED' && <div className="notice notice-success">Payment received. Thank you!</div>}
      </div>
      <ErrorMessage error={error} title="The payment was not made." />
      <form
        onSubmit={(event) => {
          event.preventDefault();
          reset();
          void submit();
        }}
      >
        <fieldset className="cards">
          <legend>Test card (the bundled fake processor)</legend>
          {TEST_CARDS.map((option) => (
            <label key={option.token} className="card-option">
              <input
                type="radio"
                name="card"
                value={option.token}
                checked={card === option.token}
                onChange={() => setCard(option.token)}
              />
              <span>
                {option.label}
                <span className="muted small"> · {option.outcome}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <button type="submit" className="button button-primary button-large" disabled={loading}>
          {loading ? 'Paying…' : <>Pay {<Price value={order.total} />}</>}
        </button>
      </form>
    </section>
  );
}

/** Where the order's latest payment stands, once paying is no longer the next step. */
function PaymentOutcome({ order }: { order: OrderDetailFragment }) {
  const payment = order.payment;
  if (!payment) return <p className="muted">No payment was made.</p>;
  switch (payment.status) {
    case 'CAPTURED':
      return (
        <p className="notice notice-success">
          Payment received: <Price value={order.total} /> by card. Thank you!
        </p>
      );
    case 'REFUNDED':
      return (
        <p className="notice notice-info">
          Your payment of <Price value={order.total} /> was refunded.
        </p>
      );
    case 'FAILED':
      return <p className="notice notice-warning">{paymentFailureText(payment.failureReason)}</p>;
    default:
      return <p className="muted">The card payment is being processed.</p>;
  }
}

function CancelPanel({ order }: { order: OrderDetailFragment }) {
  const [confirming, setConfirming] = useState(false);
  const [cancel, { loading, error }] = useMutation(CANCEL_ORDER);
  return (
    <section className="card cancel" aria-labelledby="cancel-heading">
      <h2 id="cancel-heading">Cancel</h2>
      <ErrorMessage error={error} title="The order was not cancelled." />
      {confirming ? (
        <div className="confirm">
          <p>
            Cancel this order?{' '}
            {order.status === 'PAID' ? 'Your payment will be refunded.' : 'Its reserved stock will be released.'}
          </p>
          <button
            type="button"
            className="button button-danger"
            disabled={loading}
            onClick={() =>
              void cancel({ variables: { orderId: order.id, reason: 'Cancelled by the customer' } })
                .catch(() => undefined)
                .finally(() => setConfirming(false))
            }
          >
            {loading ? 'Cancelling…' : 'Yes, cancel the order'}
          </button>
          <button type="button" className="button button-ghost" onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </div>
      ) : (
        <button type="button" className="button button-ghost" onClick={() => setConfirming(true)}>
          Cancel order
        </button>
      )}
    </section>
  );
}

/** No answer at all (as opposed to an answer with errors): the same attempt may be repeated. */
function isNetworkFailure(error: unknown): boolean {
  return error instanceof TypeError || (error instanceof Error && error.name === 'TypeError');
}
