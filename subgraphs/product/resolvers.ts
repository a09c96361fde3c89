import { GraphQLError } from 'graphql';
import { badUserInput, conflict, ErrorCode, notFound } from '../../shared/errors';
import type { DefaultFieldMismatches, NoDefaultFieldMismatches } from '../../shared/graphql/default-fields';
import { DateTime } from '../../shared/graphql/scalars';
import { loadRequired } from '../../shared/loaders';
import { requireMoney, type Money } from '../../shared/money';
import { keysetPage, readPage, toConnection } from '../../shared/pagination';
import { definedFields, requireId, requireInt, requireText } from '../../shared/validation';
import type { Prisma } from '../../prisma/product/generated/client';
import type { CreateProductInput, ProductFilter, Resolvers, UpdateProductInput } from './generated/graphql';
import {
  adjustStock,
  createCategory,
  createProduct,
  deleteProduct,
  MAX_STOCK,
  updateProduct,
  type CatalogueFailure,
  type CatalogueResult,
} from './products';

const MAX_CATEGORY_PRODUCTS = 100;
const SKU = /^[A-Z0-9-]{3,64}$/;

function requireSku(value: string, field = 'sku'): string {
  const sku = value.trim().toUpperCase();
  if (!SKU.test(sku)) {
    throw badUserInput(`${field} must be 3 to 64 characters of A-Z, 0-9 and -, got ${JSON.stringify(value)}.`, field);
  }
  return sku;
}

const requireName = (value: string) => requireText(value, 'name', { max: 200 });
const requireDescription = (value: string) => requireText(value, 'description', { min: 0, max: 5000 });
const requireCategoryName = (value: string) => requireText(value, 'name', { max: 100 });

function priceColumns(price: Money, field = 'price') {
  const { amount, currency } = requireMoney(price, field);
  return { priceAmount: amount, priceCurrency: currency };
}

function validateCreateInput(input: CreateProductInput) {
  return {
    sku: requireSku(input.sku),
    name: requireName(input.name),
    description: requireDescription(input.description ?? ''),
    ...priceColumns(input.price),
    categoryId: requireId(input.categoryId, 'categoryId'),
    stock: requireInt(input.stock ?? 0, 'stock', { max: MAX_STOCK }),
  };
}

function validateUpdateInput(input: UpdateProductInput) {
  const fields = definedFields(input);
  return {
    ...(fields.sku !== undefined && { sku: requireSku(fields.sku) }),
    ...(fields.name !== undefined && { name: requireName(fields.name) }),
    ...(fields.description !== undefined && { description: requireDescription(fields.description) }),
    ...(fields.price !== undefined && priceColumns(fields.price)),
    ...(fields.categoryId !== undefined && { categoryId: requireId(fields.categoryId, 'categoryId') }),
  };
}

function productWhere(filter: ProductFilter): Prisma.ProductWhereInput {
  const { categoryId, search, minPrice, maxPrice, inStock } = definedFields(filter);
  const min = minPrice === undefined ? undefined : requireInt(minPrice, 'minPrice');
  const max = maxPrice === undefined ? undefined : requireInt(maxPrice, 'maxPrice');
  if (min !== undefined && max !== undefined && min > max) {
    throw badUserInput(`minPrice (${min}) must not be greater than maxPrice (${max}).`, 'minPrice');
  }
  const text = search === undefined ? '' : requireText(search, 'search', { min: 0, max: 100 });
  // Prisma passes `contains` to ILIKE as is: escaped, so % and _ match themselves, not anything.
  const contains = { contains: text.replace(/[\\%_]/g, '\\$&'), mode: 'insensitive' as const };
  return {
    ...(categoryId !== undefined && { categoryId: requireId(categoryId, 'categoryId') }),
    ...((min !== undefined || max !== undefined) && { priceAmount: { gte: min, lte: max } }),
    ...(inStock !== undefined && { stock: inStock ? { gt: 0 } : { equals: 0 } }),
    ...(text !== '' && { OR: [{ name: contains }, { description: contains }, { sku: contains }] }),
  };
}

function productNotFoundBySku(sku: string): GraphQLError {
  return new GraphQLError(`No product has SKU ${JSON.stringify(sku)}.`, {
    extensions: { code: ErrorCode.NOT_FOUND, type: 'Product', sku },
  });
}

/** A catalogue failure in words a client understands: the one place they are worded. */
function catalogueError(failure: CatalogueFailure): GraphQLError {
  switch (failure.failure) {
    case 'duplicate-sku':
      return conflict(`A product with SKU ${JSON.stringify(failure.sku)} already exists.`, { field: 'sku' });
    case 'duplicate-category':
      return conflict(`A category named ${JSON.stringify(failure.name)} already exists.`, { field: 'name' });
    case 'not-found':
      return notFound(failure.type, failure.id);
    case 'insufficient-stock':
      return conflict(`Insufficient stock: ${failure.requested} requested, ${failure.available} available.`, {
        available: failure.available,
      });
    case 'stock-limit':
      return conflict(`Stock cannot exceed ${MAX_STOCK}: ${failure.available} in stock, ${failure.adding} to add.`, {
        available: failure.available,
      });
  }
}

/** What a catalogue change made, or its failure thrown as a GraphQL error. */
function changed<T>(result: CatalogueResult<T>): T {
  if (!result.ok) throw catalogueError(result.failure);
  return result.value;
}

export const resolvers = {
  DateTime,

  Query: {
    product: (_, { id }, { loaders }) => loadRequired(loaders.product, 'Product', id),
    async productBySku(_, { sku }, { db }) {
      const normalized = requireSku(sku);
      const product = await db.product.findUnique({ where: { sku: normalized } });
      if (!product) throw productNotFoundBySku(normalized);
      return product;
    },
    async products(_, args, { db }) {
      const page = readPage(args);
      const where = productWhere(args.filter ?? {});
      const rows = await db.product.findMany(keysetPage(page, where));
      return { ...toConnection(rows, page), where };
    },
    categories: (_, __, { db }) => db.category.findMany({ orderBy: { name: 'asc' } }),
    category: (_, { id }, { loaders }) => loadRequired(loaders.category, 'Category', id),
  },

  ProductConnection: {
    totalCount: ({ where }, _, { db }) => db.product.count({ where }),
  },

  // The catalogue is managed by administrators only; reading it (Query) is open to everyone.
  Mutation: {
    async createCategory(_, { name }, { db, viewer }) {
      viewer.requireAdmin();
      return changed(await createCategory({ db }, requireCategoryName(name)));
    },
    async createProduct(_, { input }, { db, viewer }) {
      viewer.requireAdmin();
      return changed(await createProduct({ db }, validateCreateInput(input)));
    },
    async updateProduct(_, { id, input }, { db, generations, viewer }) {
      viewer.requireAdmin();
      const productId = requireId(id);
      return changed(await updateProduct({ db, generations }, productId, validateUpdateInput(input)));
    },
    async deleteProduct(_, { id }, { db, generations, viewer }) {
      viewer.requireAdmin();
      return changed(await deleteProduct({ db, generations }, requireId(id)));
    },
    async adjustStock(_, { id, delta }, { db, generations, viewer }) {
      viewer.requireAdmin();
      const productId = requireId(id);
      if (delta === 0) throw badUserInput('delta must not be 0.', 'delta');
      requireInt(delta, 'delta', { min: -MAX_STOCK, max: MAX_STOCK });
      return changed(await adjustStock({ db, generations }, productId, delta));
    },
  },

  Product: {
    __resolveReference: ({ id }, { loaders }) => loaders.product.load(id),
    price: (product) => ({ amount: product.priceAmount, currency: product.priceCurrency }),
    // Never missing: a category with products cannot be deleted (foreign key).
    category: (product, _, { loaders }) => loadRequired(loaders.category, 'Category', product.categoryId),
    inStock: (product) => product.stock > 0,
  },

  Category: {
    __resolveReference: ({ id }, { loaders }) => loaders.category.load(id),
    products(category, { first }, { loaders }) {
      // `first: null` sent explicitly is null here: GraphQL applies the default only when it is omitted.
      const limit = requireInt(first ?? 20, 'first', { min: 1, max: MAX_CATEGORY_PRODUCTS });
      return loaders.firstProductsByCategory(limit).load(category.id);
    },
    productCount: (category, _, { loaders }) => loaders.productCountByCategory.load(category.id),
  },
} satisfies Resolvers;

// Fields without a resolver are read off their model: they must have the SDL's types too.
export type DefaultFieldsChecked = NoDefaultFieldMismatches<DefaultFieldMismatches<Resolvers, typeof resolvers>>;
