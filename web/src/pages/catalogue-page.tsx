import { useEffect, useId, useState } from 'react';
import { useQuery } from '@apollo/client/react';
import { Link, useSearchParams } from 'react-router';
import { useDocumentTitle } from '../components/document-title';
import { ErrorMessage } from '../components/error-message';
import { LoadMoreButton, useLoadMore } from '../components/load-more';
import { Loading, SkeletonGrid } from '../components/loading';
import { Price } from '../components/price';
import { ProductArt } from '../components/product-art';
import { graphql } from '../generated';
import { addToCart } from '../lib/cart';
import {
  filtersFromParams,
  hasFilters,
  invalidPrices,
  paramsFromFilters,
  productFilter,
  type CatalogueFilters,
} from '../lib/catalogue-filters';
import { updateCart } from '../state/cart-store';

const PAGE_SIZE = 12;
/** Typing pauses this long before the search runs. */
const SEARCH_DEBOUNCE_MS = 300;

export const PRODUCT_CARD = graphql(`
  fragment ProductCard on Product {
    id
    name
    price {
      amount
      currency
    }
    stock
    inStock
    category {
      id
      name
    }
  }
`);

const CATEGORIES = graphql(`
  query StorefrontCategories {
    categories {
      id
      name
      productCount
    }
  }
`);

const PRODUCTS = graphql(`
  query StorefrontProducts($filter: ProductFilter, $first: Int!, $after: String) {
    products(filter: $filter, first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          ...ProductCard
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

/**
 * The currency the price inputs are read in (how many decimals a typed amount has). The seeded
 * catalogue is priced in US dollars; the filter itself compares minor units, whatever the currency.
 */
const SHOP_CURRENCY = 'USD';

export function CataloguePage() {
  const [params, setParams] = useSearchParams();
  const filters = filtersFromParams(params);
  const [search, setSearch] = useState(filters.search);
  const categories = useQuery(CATEGORIES);
  const filter = productFilter(filters, SHOP_CURRENCY);
  const products = useQuery(PRODUCTS, { variables: { filter, first: PAGE_SIZE }, notifyOnNetworkStatusChange: true });
  const searchId = useId();
  const current = categories.data?.categories.find((category) => category.id === filters.categoryId);
  useDocumentTitle(current?.name ?? (filters.search ? `“${filters.search}”` : 'Catalogue'));

  const apply = (change: Partial<CatalogueFilters>, replace = false) =>
    setParams(paramsFromFilters({ ...filtersFromParams(params), ...change }), { replace });

  // The search box follows the URL (Back, a cleared filter) ...
  useEffect(() => setSearch(filters.search), [filters.search]);
  // ... and the URL follows the search box once typing pauses.
  useEffect(() => {
    if (search.trim() === filters.search.trim()) return;
    const timer = setTimeout(() => apply({ search }, true), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [search]); // only typing starts the timer: `apply` reads the URL afresh when it fires

  const page = products.data?.products ?? products.previousData?.products;
  const invalid = invalidPrices(filters, SHOP_CURRENCY);

  const more = useLoadMore(page, (after) => products.fetchMore({ variables: { after } }));

  return (
    <div className="catalogue">
      <aside className="filters" aria-label="Filters">
        <form
          role="search"
          className="search"
          onSubmit={(event) => {
            event.preventDefault();
            apply({ search });
          }}
        >
          <label htmlFor={searchId}>Search</label>
          <input
            id={searchId}
            type="search"
            placeholder="Headphones, lamp, SKU…"
            value={search}
            maxLength={100}
            onChange={(event) => setSearch(event.target.value)}
          />
        </form>

        <fieldset className="filter-group">
          <legend>Category</legend>
          <ul className="category-list">
            <li>
              <button
                type="button"
                className="category"
                aria-pressed={!filters.categoryId}
                onClick={() => apply({ categoryId: '' })}
              >
                All products
              </button>
            </li>
            {categories.data?.categories.map((category) => (
              <li key={category.id}>
                <button
                  type="button"
                  className="category"
                  aria-pressed={filters.categoryId === category.id}
                  onClick={() => apply({ categoryId: category.id })}
                >
                  {category.name}
                  <span className="count">{category.productCount}</span>
                </button>
              </li>
            ))}
          </ul>
          {categories.error && <ErrorMessage error={categories.error} />}
        </fieldset>

        <fieldset className="filter-group">
          <legend>Price ({SHOP_CURRENCY})</legend>
          <div className="price-range">
            <label>
              <span className="visually-hidden">Minimum price</span>
              <input
                inputMode="decimal"
                placeholder="Min"
                defaultValue={filters.minPrice}
                key={`min-${filters.minPrice}`}
                aria-invalid={invalid.includes('minPrice')}
                onBlur={(event) => apply({ minPrice: event.target.value })}
                onKeyDown={(event) => event.key === 'Enter' && apply({ minPrice: event.currentTarget.value })}
              />
            </label>
            <span aria-hidden="true">–</span>
            <label>
              <span className="visually-hidden">Maximum price</span>
              <input
                inputMode="decimal"
                placeholder="Max"
                defaultValue={filters.maxPrice}
                key={`max-${filters.maxPrice}`}
                aria-invalid={invalid.includes('maxPrice')}
                onBlur={(event) => apply({ maxPrice: event.target.value })}
                onKeyDown={(event) => event.key === 'Enter' && apply({ maxPrice: event.currentTarget.value })}
              />
            </label>
          </div>
          {invalid.length > 0 && <p className="field-error">Enter a price such as 25 or 19.99.</p>}
        </fieldset>

        <label className="checkbox">
          {/* Uncontrolled, like the prices: it shows the click at once, while the URL follows. */}
          <input
            type="checkbox"
            defaultChecked={filters.inStockOnly}
            key={`stock-${filters.inStockOnly}`}
            onChange={(event) => apply({ inStockOnly: event.target.checked })}
          />
          In stock only
        </label>

        {hasFilters(filters) && (
          <button type="button" className="button button-ghost" onClick={() => setParams(new URLSearchParams())}>
            Clear filters
          </button>
        )}
      </aside>

      <section className="results" aria-labelledby="results-heading" aria-busy={products.loading}>
        <div className="results-header">
          <h1 id="results-heading" tabIndex={-1}>
            {current?.name ?? (filters.search ? `Results for “${filters.search}”` : 'All products')}
          </h1>
          {page && (
            <p className="muted" aria-live="polite">
              {page.totalCount} {page.totalCount === 1 ? 'product' : 'products'}
            </p>
          )}
        </div>

        {products.error && <ErrorMessage error={products.error} />}
        {!page && products.loading && <SkeletonGrid />}
        {page && page.edges.length === 0 && (
          <div className="empty">
            <h2>No products match {filters.search ? `“${filters.search}”` : 'these filters'}.</h2>
            <p>Try another word, widen the price range, or clear the filters.</p>
            <button type="button" className="button" onClick={() => setParams(new URLSearchParams())}>
              Clear filters
            </button>
          </div>
        )}
        {page && page.edges.length > 0 && (
          <ul className={`product-grid${products.loading && !more.loadingMore ? ' stale' : ''}`} aria-label="Products">
            {page.edges.map(({ node }) => (
              <li key={node.id} className="card product-card">
                <Link to={`/products/${node.id}`} className="product-link">
                  <ProductArt name={node.name} category={node.category.name} />
                  <span className="product-category">{node.category.name}</span>
                  <span className="product-name">{node.name}</span>
                </Link>
                <div className="product-footer">
                  <Price value={node.price} />
                  <StockHint stock={node.stock} />
                </div>
                <button
                  type="button"
                  className="button button-small"
                  disabled={!node.inStock}
                  aria-label={`Add ${node.name} to cart`}
                  onClick={() =>
                    updateCart((cart) =>
                      addToCart(cart, { productId: node.id, name: node.name, unitPrice: node.price, stock: node.stock }),
                    )
                  }
                >
                  {node.inStock ? 'Add to cart' : 'Sold out'}
                </button>
              </li>
            ))}
          </ul>
        )}
        <LoadMoreButton page={page} {...more} />
        {more.loadingMore && <Loading label="Loading more products…" />}
      </section>
    </div>
  );
}

export function StockHint({ stock }: { stock: number }) {
  if (stock <= 0) return <span className="stock stock-out">Sold out</span>;
  if (stock <= 5) return <span className="stock stock-low">Only {stock} left</span>;
  return <span className="stock stock-in">In stock</span>;
}
