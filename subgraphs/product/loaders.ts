import DataLoader from 'dataloader';
import { groupByKey, idLoader } from '../../shared/loaders';
import type { Product } from '../../prisma/product/generated/client';
import type { Db } from './db';

/** Created per request: a loader caches only what one request has seen. */
export function createLoaders(db: Db) {
  const product = idLoader((ids) => db.product.findMany({ where: { id: { in: ids } } }));
  // Keyed by page size as well: one request may ask for 3 products of some categories and 10 of others.
  const firstProducts = new Map<number, DataLoader<string, Product[]>>();

  return {
    product,
    category: idLoader((ids) => db.category.findMany({ where: { id: { in: ids } } })),

    /** The first `first` products of each category, by id. */
    firstProductsByCategory(first: number): DataLoader<string, Product[]> {
      let loader = firstProducts.get(first);
      if (!loader) {
        loader = new DataLoader(async (categoryIds) => {
          const rows = await loadFirstProducts(db, categoryIds, first);
          for (const row of rows) product.prime(row.id, row);
          return groupByKey(categoryIds, rows, (row) => row.categoryId);
        });
        firstProducts.set(first, loader);
      }
      return loader;
    },

    productCountByCategory: new DataLoader<string, number>(async (categoryIds) => {
      const groups = await db.product.groupBy({
        by: ['categoryId'],
        where: { categoryId: { in: [...categoryIds] } },
        _count: { _all: true },
      });
      const counts = new Map(groups.map((group) => [group.categoryId, group._count._all]));
      return categoryIds.map((id) => counts.get(id) ?? 0);
    }),
  };
}

/**
 * "First N per category" for many categories at once. LIMIT cannot do that in one statement, so
 * a window function ranks each category's products and the ranks above N are dropped; the rows
 * themselves then come through Prisma, which maps columns to the model.
 */
async function loadFirstProducts(db: Db, categoryIds: readonly string[], first: number): Promise<Product[]> {
  const ranked = await db.$queryRaw<{ id: string }[]>`
    SELECT id FROM (
      SELECT id, ROW_NUMBER() OVER (PARTITION BY category_id ORDER BY id) AS position
      FROM products
      WHERE category_id = ANY(${[...categoryIds]}::uuid[])
    ) AS ranked
    WHERE position <= ${first}`;
  if (!ranked.length) return [];
  return db.product.findMany({ where: { id: { in: ranked.map((row) => row.id) } }, orderBy: { id: 'asc' } });
}

export type Loaders = ReturnType<typeof createLoaders>;
