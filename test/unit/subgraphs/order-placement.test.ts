// The placement rules that need no database (subgraphs/order/placement.ts): which item lists
// are accepted, how repeats merge, and how the catalog's answer becomes priced order lines.
import type { CatalogProduct } from '../../../subgraphs/order/catalog';
import type { OrderItemInput } from '../../../subgraphs/order/generated/graphql';
import { MAX_ITEMS, MAX_QUANTITY, priceOrder, requireOrderItems, type RequestedItem } from '../../../subgraphs/order/placement';
import { thrown } from '../../support/thrown';

/** A distinct, valid product id per `n`. */
const productId = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;
const buildItem = (overrides: Partial<OrderItemInput> = {}): OrderItemInput => ({
  productId: productId(1),
  quantity: 1,
  ...overrides,
});
const buildRequested = (overrides: Partial<RequestedItem> = {}): RequestedItem => ({
  productId: productId(1),
  quantity: 1,
  index: 0,
  ...overrides,
});
const buildProduct = ({
  amount = 1_000,
  currency = 'USD',
  ...overrides
}: Partial<CatalogProduct> & { amount?: number; currency?: string } = {}): CatalogProduct => ({
  id: productId(1),
  name: 'Lamp',
  price: { amount, currency },
  ...overrides,
});

describe('order items', () => {
  it('should accept a list of distinct products as it is, each with its input position', () => {
    const items = [buildItem({ quantity: 2 }), buildItem({ productId: productId(2), quantity: 5 })];
    expect(requireOrderItems(items)).toEqual([
      { productId: productId(1), quantity: 2, index: 0 },
      { productId: productId(2), quantity: 5, index: 1 },
    ]);
  });

  it('should merge a repeated product into its first appearance, quantities added', () => {
    const items = [
      buildItem({ quantity: 2 }),
      buildItem({ productId: productId(2), quantity: 1 }),
      buildItem({ productId: productId(1).toUpperCase(), quantity: 3 }),
    ];
    expect(requireOrderItems(items)).toEqual([
      { productId: productId(1), quantity: 5, index: 0 },
      { productId: productId(2), quantity: 1, index: 1 },
    ]);
  });

  it(`should accept 1 to ${MAX_ITEMS} items and refuse an empty or longer list`, () => {
    const many = (count: number) => Array.from({ length: count }, (_, i) => buildItem({ productId: productId(i + 1) }));
    expect(requireOrderItems(many(1))).toHaveLength(1);
    expect(requireOrderItems(many(MAX_ITEMS))).toHaveLength(MAX_ITEMS);
    for (const count of [0, MAX_ITEMS + 1]) {
      expect(thrown(() => requireOrderItems(many(count)))).toEqual({
        message: `items must list between 1 and ${MAX_ITEMS} products, got ${count}.`,
        extensions: { code: 'BAD_USER_INPUT', field: 'items' },
      });
    }
  });

  it('should refuse a malformed product id, naming the item', () => {
    expect(thrown(() => requireOrderItems([buildItem(), buildItem({ productId: 'lamp' })]))).toEqual({
      message: 'items[1].productId must be a valid id, got "lamp".',
      extensions: { code: 'BAD_USER_INPUT', field: 'items[1].productId' },
    });
  });

  it(`should accept quantities from 1 to ${MAX_QUANTITY} and refuse others, naming the item`, () => {
    expect(requireOrderItems([buildItem({ quantity: MAX_QUANTITY })])[0]?.quantity).toBe(MAX_QUANTITY);
    for (const quantity of [0, -1, 1.5, MAX_QUANTITY + 1]) {
      expect(thrown(() => requireOrderItems([buildItem({ productId: productId(2) }), buildItem({ quantity })]))).toEqual({
        message: `items[1].quantity must be an integer between 1 and ${MAX_QUANTITY}, got ${quantity}.`,
        extensions: { code: 'BAD_USER_INPUT', field: 'items[1].quantity' },
      });
    }
  });

  it(`should refuse repeats that add up to more than ${MAX_QUANTITY}, naming the repeat that went over`, () => {
    const atMost = [buildItem({ quantity: 600 }), buildItem({ quantity: MAX_QUANTITY - 600 })];
    expect(requireOrderItems(atMost)).toEqual([{ productId: productId(1), quantity: MAX_QUANTITY, index: 0 }]);
    const over = [buildItem({ quantity: 600 }), buildItem({ productId: productId(2) }), buildItem({ quantity: 401 })];
    expect(thrown(() => requireOrderItems(over))).toEqual({
      message: `Product ${productId(1)} is listed more than once, 1001 in all; at most ${MAX_QUANTITY} of one product per order.`,
      extensions: { code: 'BAD_USER_INPUT', field: 'items[2].quantity' },
    });
  });
});

describe('pricing', () => {
  it("should snapshot each product's name and unit price and total the order", () => {
    const requested = [buildRequested({ quantity: 3 }), buildRequested({ productId: productId(2), quantity: 2, index: 1 })];
    const products = [buildProduct({ amount: 1_250 }), buildProduct({ id: productId(2), name: 'Shade', amount: 499 })];
    expect(priceOrder(requested, products)).toEqual({
      currency: 'USD',
      totalAmount: 3 * 1_250 + 2 * 499,
      items: [
        { productId: productId(1), productName: 'Lamp', quantity: 3, unitPriceAmount: 1_250 },
        { productId: productId(2), productName: 'Shade', quantity: 2, unitPriceAmount: 499 },
      ],
    });
  });

  it('should take the currency the products are priced in', () => {
    expect(priceOrder([buildRequested()], [buildProduct({ currency: 'JPY' })]).currency).toBe('JPY');
  });

  it('should price free products at zero', () => {
    expect(priceOrder([buildRequested({ quantity: 4 })], [buildProduct({ amount: 0 })]).totalAmount).toBe(0);
  });

  it('should refuse a product the catalog does not have as NOT_FOUND, naming its input position', () => {
    const requested = [buildRequested(), buildRequested({ productId: productId(2), index: 3 })];
    expect(thrown(() => priceOrder(requested, [buildProduct(), null]))).toEqual({
      message: `Product "${productId(2)}" (items[3]) was not found.`,
      extensions: {
        code: 'NOT_FOUND',
        type: 'Product',
        id: productId(2),
        productId: productId(2),
        field: 'items[3].productId',
      },
    });
  });

  it('should refuse products priced in more than one currency', () => {
    const requested = [buildRequested(), buildRequested({ productId: productId(2), index: 1 })];
    const products = [buildProduct({ currency: 'USD' }), buildProduct({ id: productId(2), currency: 'EUR' })];
    expect(thrown(() => priceOrder(requested, products))).toEqual({
      message:
        'All items of an order must be priced in one currency; these products are priced in USD and EUR. Place one order per currency.',
      extensions: { code: 'BAD_USER_INPUT', field: 'items' },
    });
  });

  it('should accept a total of 2,147,483,647 and refuse one over it', () => {
    const largest = 2_147_483_647;
    expect(priceOrder([buildRequested()], [buildProduct({ amount: largest })]).totalAmount).toBe(largest);
    expect(thrown(() => priceOrder([buildRequested({ quantity: 2 })], [buildProduct({ amount: 1_073_741_824 })]))).toEqual({
      message: 'The order total is too large to process; split it into several orders.',
      extensions: { code: 'BAD_USER_INPUT', field: 'items' },
    });
  });
});
