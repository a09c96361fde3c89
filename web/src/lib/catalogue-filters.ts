// The catalogue's filters live in the URL (?q=lamp&category=...&min=10&max=50&stock=1), so a
// filtered page can be shared, bookmarked and walked back with the browser's Back button.
import { toMinorUnits } from './money';

export interface CatalogueFilters {
  search: string;
  categoryId: string;
  /** What the reader typed, in major units of the shop's currency. */
  minPrice: string;
  maxPrice: string;
  inStockOnly: boolean;
}

/** The product subgraph's ProductFilter. */
export interface ProductFilter {
  search?: string;
  categoryId?: string;
  minPrice?: number;
  maxPrice?: number;
  inStock?: boolean;
}

const KEYS = { search: 'q', categoryId: 'category', minPrice: 'min', maxPrice: 'max', inStockOnly: 'stock' } as const;

export function filtersFromParams(params: URLSearchParams): CatalogueFilters {
  return {
    search: params.get(KEYS.search) ?? '',
    categoryId: params.get(KEYS.categoryId) ?? '',
    minPrice: params.get(KEYS.minPrice) ?? '',
    maxPrice: params.get(KEYS.maxPrice) ?? '',
    inStockOnly: params.get(KEYS.inStockOnly) === '1',
  };
}

export function paramsFromFilters(filters: CatalogueFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.search.trim()) params.set(KEYS.search, filters.search.trim());
  if (filters.categoryId) params.set(KEYS.categoryId, filters.categoryId);
  if (filters.minPrice.trim()) params.set(KEYS.minPrice, filters.minPrice.trim());
  if (filters.maxPrice.trim()) params.set(KEYS.maxPrice, filters.maxPrice.trim());
  if (filters.inStockOnly) params.set(KEYS.inStockOnly, '1');
  return params;
}

/** The price inputs that do not read as an amount of `currency`, to mark them invalid. */
export function invalidPrices(filters: CatalogueFilters, currency: string): ('minPrice' | 'maxPrice')[] {
  return (['minPrice', 'maxPrice'] as const).filter(
    (key) => filters[key].trim() !== '' && toMinorUnits(filters[key], currency) === undefined,
  );
}

/**
 * The filter to query with. Prices are compared in minor units whatever the currency (the
 * schema's rule); `currency` says how many decimals the typed amounts have. A malformed price is
 * left out rather than sent, and a minimum above the maximum is swapped, as the reader meant.
 */
export function productFilter(filters: CatalogueFilters, currency: string): ProductFilter {
  let minPrice = toMinorUnits(filters.minPrice, currency);
  let maxPrice = toMinorUnits(filters.maxPrice, currency);
  if (minPrice !== undefined && maxPrice !== undefined && minPrice > maxPrice) [minPrice, maxPrice] = [maxPrice, minPrice];
  const search = filters.search.trim().slice(0, 100);
  return {
    ...(search && { search }),
    ...(filters.categoryId && { categoryId: filters.categoryId }),
    ...(minPrice !== undefined && { minPrice }),
    ...(maxPrice !== undefined && { maxPrice }),
    ...(filters.inStockOnly && { inStock: true }),
  };
}

export function hasFilters(filters: CatalogueFilters): boolean {
  return paramsFromFilters(filters).size > 0;
}
