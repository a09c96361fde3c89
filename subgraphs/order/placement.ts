// The rules of placing an order that need no database: which item lists are acceptable, and
// how the catalog's answer turns into priced order lines. Kept apart from the resolver so the
// mutation reads as validate, ask, price, write.
import { GraphQLError } from 'graphql';
import { badUserInput, ErrorCode } from '../../shared/errors';
import { requireInt, requireId } from '../../shared/validation';
import type { CatalogProduct } from './catalog';
import type { OrderItemInput } from './generated/graphql';

export const MAX_ITEMS = 50;
export const MAX_QUANTITY = 1000;
/** Amounts are stored as 32-bit integers, and GraphQL's Int is one too. */
const MAX_AMOUNT = 2_147_483_647;

/** One product wanted, with where it first appeared in the input (for error fields). */
export interface RequestedItem {
  productId: string;
  quantity: number;
  index: number;
}

export interface PricedOrder {
  currency: string;
  totalAmount: number;
  items: { productId: string; productName: string; quantity: number; unitPriceAmount: number }[];
}

/** Validates the items and merges repeated products into one item, quantities added. */
export function requireOrderItems(items: readonly OrderItemInput[]): RequestedItem[] {
  if (items.length < 1 || items.length > MAX_ITEMS) {
    throw badUserInput(`items must list between 1 and ${MAX_ITEMS} products, got ${items.length}.`, 'items');
  }
  const merged = new Map<string, RequestedItem>();
  items.forEach((item, index) => {
    const productId = requireId(item.productId, `items[${index}].productId`);
    const field = `items[${index}].quantity`;
    const quantity = requireInt(item.quantity, field, { min: 1, max: MAX_QUANTITY });
    const earlier = merged.get(productId);
    if (!earlier) {
      merged.set(productId, { productId, quantity, index });
      return;
    }
    earlier.quantity += quantity;
    if (earlier.quantity > MAX_QUANTITY) {
      throw badUserInput(
        `Product ${productId} is listed more than once, ${earlier.quantity} in all; at most ${MAX_QUANTITY} of one product per order.`,
        field,
      );
    }
  });
  return [...merged.values()];
}

/**
 * Snapshots each product's current name and price into an order line. `products` answers
 * `requested` entry by entry, null for a product the catalog does not have.
 */
export function priceOrder(requested: readonly RequestedItem[], products: readonly (CatalogProduct | null)[]): PricedOrder {
  const lines = requested.map((item, position) => {
    const product = products[position];
    if (!product) throw productNotFound(item);
    return { ...item, product };
  });

  const currencies = [...new Set(lines.map(({ product }) => product.price.currency))];
  if (currencies.length > 1) {
    throw badUserInput(
      `All items of an order must be priced in one currency; these products are priced in ${currencies.join(' and ')}. Place one order per currency.`,
      'items',
    );
  }

  const totalAmount = lines.reduce((sum, { quantity, product }) => sum + quantity * product.price.amount, 0);
  if (totalAmount > MAX_AMOUNT) {
    throw badUserInput('The order total is too large to process; split it into several orders.', 'items');
  }

  return {
    currency: currencies[0]!,
    totalAmount,
    items: lines.map(({ productId, quantity, product }) => ({
      productId,
      productName: product.name,
      quantity,
      unitPriceAmount: product.price.amount,
    })),
  };
}

function productNotFound({ productId, index }: RequestedItem): GraphQLError {
  return new GraphQLError(`Product ${JSON.stringify(productId)} (items[${index}]) was not found.`, {
    extensions: { code: ErrorCode.NOT_FOUND, type: 'Product', id: productId, productId, field: `items[${index}].productId` },
  });
}
