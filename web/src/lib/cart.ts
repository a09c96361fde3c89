// The cart, kept in the browser until the order is placed: pure functions over an immutable list
// of lines, so the store (cart-store.ts) only persists and announces what these return.
import { sumMoney, type Money } from './money';

export interface CartLine {
  productId: string;
  name: string;
  /** The price seen when the line was added; placeOrder charges the catalogue's price of the moment. */
  unitPrice: Money;
  quantity: number;
  /** Units in stock when last seen: a quantity is never raised above it. */
  stock?: number;
}

export type Cart = readonly CartLine[];

/** placeOrder's bound for one item. */
export const MAX_QUANTITY = 1000;

/** The most of a line one may have: the stock last seen, and never more than placeOrder takes. */
export function maxQuantity(line: Pick<CartLine, 'stock'>): number {
  return Math.max(0, Math.min(MAX_QUANTITY, line.stock ?? MAX_QUANTITY));
}

function clamp(quantity: number, line: Pick<CartLine, 'stock'>): number {
  return Math.min(Math.max(0, Math.floor(quantity)), maxQuantity(line));
}

/** Adds `quantity` of a product, merging with its line; a line that would hold nothing is not added. */
export function addToCart(cart: Cart, product: Omit<CartLine, 'quantity'>, quantity = 1): Cart {
  const existing = cart.find((line) => line.productId === product.productId);
  const merged = { ...existing, ...product, quantity: clamp((existing?.quantity ?? 0) + quantity, product) };
  const rest = cart.filter((line) => line.productId !== product.productId);
  if (merged.quantity === 0) return rest;
  return existing ? cart.map((line) => (line === existing ? merged : line)) : [...cart, merged];
}

/** Sets a line's quantity; zero or less removes it. */
export function setQuantity(cart: Cart, productId: string, quantity: number): Cart {
  return cart.flatMap((line) => {
    if (line.productId !== productId) return [line];
    const next = clamp(quantity, line);
    return next > 0 ? [{ ...line, quantity: next }] : [];
  });
}

export function removeFromCart(cart: Cart, productId: string): Cart {
  return cart.filter((line) => line.productId !== productId);
}

/** Units in the cart, for the header's badge. */
export function cartCount(cart: Cart): number {
  return cart.reduce((sum, line) => sum + line.quantity, 0);
}

export function lineTotal(line: CartLine): Money {
  return { amount: line.unitPrice.amount * line.quantity, currency: line.unitPrice.currency };
}

/** One total per currency; more than one means the cart cannot become one order. */
export function cartTotals(cart: Cart): Money[] {
  return sumMoney(cart.map(lineTotal));
}

/** placeOrder's `items`. */
export function orderItems(cart: Cart): { productId: string; quantity: number }[] {
  return cart.map(({ productId, quantity }) => ({ productId, quantity }));
}

function isLine(value: unknown): value is CartLine {
  if (typeof value !== 'object' || value === null) return false;
  const line = value as Partial<CartLine>;
  return (
    typeof line.productId === 'string' &&
    typeof line.name === 'string' &&
    Number.isInteger(line.quantity) &&
    (line.quantity ?? 0) > 0 &&
    typeof line.unitPrice?.amount === 'number' &&
    typeof line.unitPrice.currency === 'string' &&
    (line.stock === undefined || typeof line.stock === 'number')
  );
}

/** A stored cart, keeping only well-formed lines: storage is shared with whatever ran before. */
export function parseCart(text: string | null): Cart {
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value)) return [];
    return value
      .filter(isLine)
      .map((line) => ({ ...line, quantity: clamp(line.quantity, line) }))
      .filter((line) => line.quantity > 0);
  } catch {
    return [];
  }
}
