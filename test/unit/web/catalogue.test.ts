// The catalogue's filters (web/src/lib/catalogue-filters.ts) live in the URL and become the
// product subgraph's ProductFilter; and the live connection's retry timing (web/src/lib/retry.ts).
import { filtersFromParams, invalidPrices, paramsFromFilters, productFilter } from '../../../web/src/lib/catalogue-filters';
import { retryDelayMs } from '../../../web/src/lib/retry';

describe('catalogue filters', () => {
  it('should survive a round trip through the URL', () => {
    const filters = { search: 'lamp', categoryId: 'c1', minPrice: '10', maxPrice: '49.99', inStockOnly: true };
    expect(paramsFromFilters(filters).toString()).toBe('q=lamp&category=c1&min=10&max=49.99&stock=1');
    expect(filtersFromParams(paramsFromFilters(filters))).toEqual(filters);
    expect(paramsFromFilters(filtersFromParams(new URLSearchParams())).toString()).toBe('');
  });

  it('should query in minor units, with only the conditions given', () => {
    const filters = filtersFromParams(new URLSearchParams('q=%20lamp%20&min=10&max=49.99&stock=1'));
    expect(productFilter(filters, 'USD')).toEqual({ search: 'lamp', minPrice: 1_000, maxPrice: 4_999, inStock: true });
    expect(productFilter(filtersFromParams(new URLSearchParams()), 'USD')).toEqual({});
  });

  it('should swap a minimum above the maximum, and leave out a malformed price while marking it', () => {
    const swapped = filtersFromParams(new URLSearchParams('min=50&max=10'));
    expect(productFilter(swapped, 'USD')).toEqual({ minPrice: 1_000, maxPrice: 5_000 });
    const malformed = filtersFromParams(new URLSearchParams('min=ten&max=20'));
    expect(productFilter(malformed, 'USD')).toEqual({ maxPrice: 2_000 });
    expect(invalidPrices(malformed, 'USD')).toEqual(['minPrice']);
  });

  it("should cut a search to the schema's 100 characters", () => {
    const filters = filtersFromParams(new URLSearchParams({ q: 'x'.repeat(150) }));
    expect(productFilter(filters, 'USD').search).toHaveLength(100);
  });
});

describe('reconnection timing', () => {
  it('should back off from half a second to at most five, with up to half a second of jitter', () => {
    expect([0, 1, 2, 3, 4, 10].map((retries) => retryDelayMs(retries, () => 0))).toEqual([
      500, 1_000, 2_000, 4_000, 5_000, 5_000,
    ]);
    expect(retryDelayMs(0, () => 0.999)).toBe(999);
  });
});
