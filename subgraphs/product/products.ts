// Changes to the catalogue, the use cases behind the administrators' mutations: each is one write
// whose constraint violations come back as typed failures (resolvers.ts words them for clients),
// and each change to a product is announced to the gateway's entity cache once committed.
import type { Category, Prisma, Product } from '../../prisma/product/generated/client';
import type { EntityGenerations } from '../../shared/cache/entity-generations';
import { isForeignKeyViolation, isRecordNotFound, isUniqueViolation } from '../../shared/db/errors';
import type { Db } from './db';
import { productsChanged } from './generations';

/** Highest stock a product may hold; also keeps `stock + delta` far from integer overflow. */
export const MAX_STOCK = 1_000_000;

export interface CatalogueDeps {
  db: Db;
  /** Bumped after every product change (see generations.ts). */
  generations: EntityGenerations;
}

export type CatalogueFailure =
  | { failure: 'duplicate-sku'; sku: string | undefined }
  | { failure: 'duplicate-category'; name: string }
  | { failure: 'not-found'; type: 'Product' | 'Category'; id: string }
  /** Taking `requested` out of stock would leave less than nothing. */
  | { failure: 'insufficient-stock'; requested: number; available: number }
  /** Adding `adding` would take the stock over MAX_STOCK. */
  | { failure: 'stock-limit'; adding: number; available: number };

export type CatalogueResult<T> = { ok: true; value: T } | { ok: false; failure: CatalogueFailure };

/** Validated product columns (resolvers.ts parses the input). */
export type ProductData = Prisma.ProductUncheckedCreateInput;
export type ProductChanges = Partial<
  Pick<ProductData, 'sku' | 'name' | 'description' | 'priceAmount' | 'priceCurrency' | 'categoryId'>
>;

const ok = <T>(value: T): CatalogueResult<T> => ({ ok: true, value });
const failed = <T>(failure: CatalogueFailure): CatalogueResult<T> => ({ ok: false, failure });

export async function createCategory({ db }: Pick<CatalogueDeps, 'db'>, name: string): Promise<CatalogueResult<Category>> {
  try {
    return ok(await db.category.create({ data: { name } }));
  } catch (error) {
    if (isUniqueViolation(error, 'categories_name_key')) return failed({ failure: 'duplicate-category', name });
    throw error;
  }
}

export async function createProduct({ db }: Pick<CatalogueDeps, 'db'>, data: ProductData): Promise<CatalogueResult<Product>> {
  try {
    return ok(await db.product.create({ data }));
  } catch (error) {
    return failed(productWriteFailure(error, data));
  }
}

export async function updateProduct(deps: CatalogueDeps, id: string, data: ProductChanges): Promise<CatalogueResult<Product>> {
  let product: Product;
  try {
    product = await deps.db.product.update({ where: { id }, data });
  } catch (error) {
    return failed(productWriteFailure(error, { id, ...data }));
  }
  return announced(deps, product);
}

export async function deleteProduct(deps: CatalogueDeps, id: string): Promise<CatalogueResult<Product>> {
  let product: Product;
  try {
    product = await deps.db.product.delete({ where: { id } });
  } catch (error) {
    return failed(productWriteFailure(error, { id }));
  }
  return announced(deps, product);
}

/** Adds `delta` (a non-zero integer within ±MAX_STOCK) to the product's stock, never below zero. */
export async function adjustStock(deps: CatalogueDeps, id: string, delta: number): Promise<CatalogueResult<Product>> {
  // One conditional UPDATE. A concurrent writer's row lock makes PostgreSQL wait and then
  // re-check the condition against the row as that writer left it, so concurrent adjustments
  // neither lose updates nor take the stock below zero.
  const [updated] = await deps.db.product.updateManyAndReturn({
    where: { id, stock: delta < 0 ? { gte: -delta } : { lte: MAX_STOCK - delta } },
    data: { stock: { increment: delta } },
  });
  if (updated) return announced(deps, updated);
  const current = await deps.db.product.findUnique({ where: { id }, select: { stock: true } });
  if (!current) return failed({ failure: 'not-found', type: 'Product', id });
  return failed(
    delta < 0
      ? { failure: 'insufficient-stock', requested: -delta, available: current.stock }
      : { failure: 'stock-limit', adding: delta, available: current.stock },
  );
}

/** Constraint failures of product writes; anything else is not the client's doing and is thrown. */
function productWriteFailure(
  error: unknown,
  { id, sku, categoryId }: { id?: string; sku?: string; categoryId?: string },
): CatalogueFailure {
  if (isUniqueViolation(error, 'products_sku_key')) return { failure: 'duplicate-sku', sku };
  if (categoryId && isForeignKeyViolation(error)) return { failure: 'not-found', type: 'Category', id: categoryId };
  if (id && isRecordNotFound(error)) return { failure: 'not-found', type: 'Product', id };
  throw error;
}

/** `product` once the gateway's entity cache can no longer serve it as it was before this change. */
async function announced({ generations }: CatalogueDeps, product: Product): Promise<CatalogueResult<Product>> {
  await productsChanged(generations, [product.id]);
  return ok(product);
}
