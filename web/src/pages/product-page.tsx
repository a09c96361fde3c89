import { useId, useState } from 'react';
import { useQuery } from '@apollo/client/react';
import { Link, useParams } from 'react-router';
import { useDocumentTitle } from '../components/document-title';
import { ErrorMessage } from '../components/error-message';
import { Loading } from '../components/loading';
import { Price } from '../components/price';
import { ProductArt } from '../components/product-art';
import { graphql } from '../generated';
import { addToCart, maxQuantity } from '../lib/cart';
import { currentCart, updateCart } from '../state/cart-store';
import { StockHint } from './catalogue-page';

const PRODUCT = graphql(`
  query StorefrontProduct($id: ID!) {
    product(id: $id) {
      ...ProductCard
      sku
      description
    }
  }
`);

export function ProductPage() {
  const { id = '' } = useParams();
  // Stock changes while the page is open (others buy): always asked afresh.
  const { data, loading, error } = useQuery(PRODUCT, { variables: { id }, fetchPolicy: 'cache-and-network' });
  const [quantity, setQuantity] = useState(1);
  const [added, setAdded] = useState<number>();
  const quantityId = useId();
  const product = data?.product;
  useDocumentTitle(product?.name ?? 'Product');

  if (!product) {
    return (
      <section className="panel narrow">
        {loading ? <Loading /> : <h1 tabIndex={-1}>Product not found</h1>}
        <ErrorMessage error={error} />
        <Link to="/">Back to the catalogue</Link>
      </section>
    );
  }

  const inCart = currentCart().find((line) => line.productId === product.id)?.quantity ?? 0;
  const max = Math.max(0, maxQuantity(product) - inCart);

  return (
    <article className="product-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">Catalogue</Link>
        <span aria-hidden="true">/</span>
        <Link to={`/?category=${product.category.id}`}>{product.category.name}</Link>
      </nav>
      <div className="product-detail">
        <ProductArt name={product.name} category={product.category.name} size="large" />
        <div className="product-info">
          <h1 tabIndex={-1}>{product.name}</h1>
          <p className="muted">SKU {product.sku}</p>
          <Price value={product.price} className="price-large" />
          <p className="stock-line">
            <StockHint stock={product.stock} />
            {product.stock > 0 && <span className="muted"> · {product.stock} in stock</span>}
          </p>
          {product.description && <p className="description">{product.description}</p>}
          <form
            className="add-form"
            onSubmit={(event) => {
              event.preventDefault();
              const units = Math.min(quantity, max);
              updateCart((cart) =>
                addToCart(
                  cart,
                  { productId: product.id, name: product.name, unitPrice: product.price, stock: product.stock },
                  units,
                ),
              );
              setAdded(units);
            }}
          >
            <label htmlFor={quantityId}>Quantity</label>
            <input
              id={quantityId}
              type="number"
              min={1}
              max={Math.max(1, max)}
              value={quantity}
              onChange={(event) => setQuantity(Math.max(1, Number(event.target.value) || 1))}
              disabled={max === 0}
            />
            <button type="submit" className="button button-primary" disabled={max === 0}>
              {product.inStock ? (max === 0 ? 'All in your cart' : 'Add to cart') : 'Sold out'}
            </button>
          </form>
          <div aria-live="polite">
            {added !== undefined && (
              <p className="notice notice-success">
                Added {added} to your cart. <Link to="/cart">Go to the cart</Link>
              </p>
            )}
          </div>
        </div>
      </div>
    </article>
  );
}
