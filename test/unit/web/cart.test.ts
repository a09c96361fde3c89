// The storefront's cart (web/src/lib/cart.ts): lines merged per product, quantities kept within
// the stock last seen and placeOrder's bound, totals per currency, and a stored cart read back
// defensively.
import {
  addToCart,
  cartCount,
  cartTotals,
  MAX_QUANTITY,
  orderItems,
  parseCart,
  removeFromCart,
  setQuantity,
  type Cart,
  type CartLine,
} from '../../../web/src/lib/cart';

const buildProduct = (overrides: Partial<Omit<CartLine, 'quantity'>> = {}): Omit<CartLine, 'quantity'> => ({
  productId: 'p1',
  name: 'Desk Lamp',
  unitPrice: { amount: 2_500, currency: 'USD' },
  stock: 10,
  ...overrides,
});

describe('cart', () => {
  it('should add a product as a line, and merge a second addition into it', () => {
    let cart: Cart = [];
    cart = addToCart(cart, buildProduct(), 2);
    cart = addToCart(cart, buildProduct({ productId: 'p2', name: 'Mug' }));
    cart = addToCart(cart, buildProduct(), 3);
    expect(cart.map(({ productId, quantity }) => [productId, quantity])).toEqual([
      ['p1', 5],
      ['p2', 1],
    ]);
    expect(cartCount(cart)).toBe(6);
  });

  it('should keep a quantity within the stock last seen', () => {
    const cart = addToCart([], buildProduct({ stock: 3 }), 5);
    expect(cart[0]?.quantity).toBe(3);
    expect(setQuantity(cart, 'p1', 10)[0]?.quantity).toBe(3);
    // A product seen with newer stock takes it into account.
    expect(addToCart(cart, buildProduct({ stock: 1 }), 1)[0]?.quantity).toBe(1);
  });

  it("should keep a quantity within placeOrder's bound when the stock is larger or unknown", () => {
    const cart = addToCart([], buildProduct({ stock: undefined }), 5_000);
    expect(cart[0]?.quantity).toBe(MAX_QUANTITY);
  });

  it('should not add a sold-out product', () => {
    expect(addToCart([], buildProduct({ stock: 0 }), 1)).toEqual([]);
  });

  it('should remove a line set to zero, or removed', () => {
    const cart = addToCart(addToCart([], buildProduct(), 2), buildProduct({ productId: 'p2' }), 1);
    expect(setQuantity(cart, 'p1', 0).map((line) => line.productId)).toEqual(['p2']);
    expect(removeFromCart(cart, 'p2').map((line) => line.productId)).toEqual(['p1']);
  });

  it('should never change the cart it was given', () => {
    const cart = Object.freeze(addToCart([], buildProduct(), 1));
    addToCart(cart, buildProduct(), 1);
    setQuantity(cart, 'p1', 4);
    expect(cart[0]?.quantity).toBe(1);
  });

  it('should total per currency and list what placeOrder takes', () => {
    let cart = addToCart([], buildProduct(), 2);
    cart = addToCart(cart, buildProduct({ productId: 'p2', unitPrice: { amount: 199, currency: 'USD' } }), 3);
    expect(cartTotals(cart)).toEqual([{ amount: 5_597, currency: 'USD' }]);
    expect(orderItems(cart)).toEqual([
      { productId: 'p1', quantity: 2 },
      { productId: 'p2', quantity: 3 },
    ]);
    cart = addToCart(cart, buildProduct({ productId: 'p3', unitPrice: { amount: 100, currency: 'EUR' } }));
    expect(cartTotals(cart)).toHaveLength(2);
  });
});

describe('a stored cart', () => {
  it('should read back what was stored', () => {
    const cart = addToCart([], buildProduct(), 2);
    expect(parseCart(JSON.stringify(cart))).toEqual(cart);
  });

  it('should keep only well-formed lines of whatever storage holds', () => {
    const good = { productId: 'p1', name: 'Lamp', unitPrice: { amount: 100, currency: 'USD' }, quantity: 2 };
    const stored = [
      good,
      { productId: 'p2' },
      null,
      'x',
      { ...good, productId: 'p3', quantity: -1 },
      { ...good, productId: 'p4', quantity: 1.5 },
    ];
    expect(parseCart(JSON.stringify(stored))).toEqual([good]);
    for (const text of [null, '', 'not json', '{"a":1}']) expect(parseCart(text)).toEqual([]);
  });
});
