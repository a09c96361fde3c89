import { useMutation } from '@apollo/client/react';
import { Link, useNavigate } from 'react-router';
import { useSession } from '../api/auth';
import { useDocumentTitle } from '../components/document-title';
import { ErrorMessage } from '../components/error-message';
import { loginPath } from '../components/guards';
import { Price } from '../components/price';
import { graphql } from '../generated';
import { cartTotals, lineTotal, maxQuantity, orderItems, removeFromCart, setQuantity } from '../lib/cart';
import { money } from '../lib/format';
import { updateCart, useCart } from '../state/cart-store';

const PLACE_ORDER = graphql(`
  mutation StorefrontPlaceOrder($items: [OrderItemInput!]!) {
    placeOrder(items: $items) {
      ...OrderDetail
    }
  }
`);

export function CartPage() {
  const cart = useCart();
  const session = useSession();
  const navigate = useNavigate();
  const [placeOrder, { loading, error }] = useMutation(PLACE_ORDER);
  const totals = cartTotals(cart);
  useDocumentTitle('Cart');

  const checkout = async () => {
    // Ordering needs an account: sign in, then come back here to the same cart.
    if (!session) {
      await navigate(loginPath('/cart'));
      return;
    }
    const { data } = await placeOrder({ variables: { items: orderItems(cart) } }).catch(() => ({ data: undefined }));
    if (!data) return;
    updateCart(() => []);
    await navigate(`/orders/${data.placeOrder.id}`);
  };

  if (cart.length === 0) {
    return (
      <section className="panel narrow">
        <h1 tabIndex={-1}>Your cart is empty</h1>
        <p>
          Find something in the <Link to="/">catalogue</Link>.
        </p>
      </section>
    );
  }

  return (
    <section className="cart">
      <h1 tabIndex={-1}>Your cart</h1>
      <ul className="cart-lines" aria-label="Cart items">
        {cart.map((line) => (
          <li key={line.productId} className="cart-line">
            <div className="cart-line-name">
              <Link to={`/products/${line.productId}`}>{line.name}</Link>
              <span className="muted">{money(line.unitPrice)} each</span>
            </div>
            <label className="quantity">
              <span className="visually-hidden">Quantity of {line.name}</span>
              <input
                type="number"
                min={0}
                max={maxQuantity(line)}
                value={line.quantity}
                onChange={(event) => updateCart((current) => setQuantity(current, line.productId, Number(event.target.value)))}
              />
            </label>
            <Price value={lineTotal(line)} className="cart-line-total" />
            <button
              type="button"
              className="button button-ghost button-small"
              aria-label={`Remove ${line.name}`}
              onClick={() => updateCart((current) => removeFromCart(current, line.productId))}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <div className="cart-summary">
        <p className="cart-total">
          Total{' '}
          {totals.map((total) => (
            <Price key={total.currency} value={total} className="price-large" />
          ))}
        </p>
        {totals.length > 1 && (
          <p className="notice notice-warning">One order is paid in one currency: split these items into separate orders.</p>
        )}
        <ErrorMessage error={error} title="The order was not placed." />
        <button
          type="button"
          className="button button-primary button-large"
          disabled={loading || totals.length !== 1}
          onClick={() => void checkout()}
        >
          {loading ? 'Placing the order…' : 'Place order'}
        </button>
        <p className="muted small">
          {session
            ? 'Stock is reserved right after the order is placed; you pay on the next page.'
            : 'You will log in first, then come back to this cart.'}
        </p>
      </div>
    </section>
  );
}
