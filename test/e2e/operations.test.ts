// Every example operation in operations/ runs here against the real supergraph, in the order a
// reader would use them, so the examples the README links to never rot.
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { ok } from '../support/graphql';
import { loadOperations } from '../support/operations';
import { startStack, type Stack } from '../support/stack';
import { subscribe, type TestSubscription } from '../support/subscriptions';
import { createBuyer, reached } from './helpers';

const operations = loadOperations();
const ran = new Set<string>();

let databases: TestDatabases;
let stack: Stack;
let watch: TestSubscription;

beforeAll(async () => {
  databases = await createTestDatabases();
  stack = await startStack(databases);
  const subscription = operations.get('WatchOrder')!;
  watch = await subscribe(stack.gatewayUrl, subscription.document);
  ran.add('WatchOrder');
}, 120_000);

afterAll(async () => {
  await watch?.close();
  await stack?.stop();
  await databases?.drop();
});

/** Runs the example operation `name` with `variables`; it must succeed. */
function run(name: string, variables: Record<string, unknown> = {}) {
  const operation = operations.get(name);
  if (!operation) throw new Error(`operations/ has no operation named ${name}`);
  ran.add(name);
  return ok(stack.gatewayUrl, { query: operation.document, operationName: name }, variables);
}

describe('example operations (operations/*.graphql)', () => {
  it('should take a product from the catalogue through an order to delivery, and cancel another', async () => {
    const { createCategory } = await run('CreateCategory', { name: 'Lamps' });
    const { createProduct } = await run('CreateProduct', {
      input: {
        sku: 'LAMP-001',
        name: 'Brass Desk Lamp',
        price: { amount: 4_999, currency: 'USD' },
        categoryId: createCategory.id,
        stock: 5,
      },
    });
    expect((await run('AdjustStock', { productId: createProduct.id, delta: 3 })).adjustStock.stock).toBe(8);

    const catalogue = await run('Catalogue', { search: 'brass', minPrice: 1_000, maxPrice: 10_000 });
    expect(catalogue.products.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([createProduct.id]);
    expect(catalogue.categories).toContainEqual({ id: createCategory.id, name: 'Lamps', productCount: 1 });
    expect((await run('Product', { id: createProduct.id })).product).toMatchObject({
      name: 'Brass Desk Lamp',
      stock: 8,
      inStock: true,
    });

    const userId = await createBuyer(stack.gatewayUrl, { name: 'Reader' });
    const items = [{ productId: createProduct.id, quantity: 2 }];
    const { placeOrder } = await run('PlaceOrder', { userId, items });
    expect(placeOrder).toMatchObject({ status: 'PENDING', total: { amount: 9_998, currency: 'USD' } });
    await watch.waitFor(1, reached(placeOrder.id, 'CONFIRMED'));

    const { payForOrder } = await run('PayForOrder', {
      orderId: placeOrder.id,
      idempotencyKey: `readme-${placeOrder.id}`,
      paymentToken: 'tok_visa',
    });
    expect(payForOrder).toMatchObject({ status: 'CAPTURED', amount: { amount: 9_998, currency: 'USD' } });
    await watch.waitFor(1, reached(placeOrder.id, 'PAID'));
    await run('ShipOrder', { orderId: placeOrder.id });
    expect((await run('DeliverOrder', { orderId: placeOrder.id })).updateOrderStatus).toMatchObject({
      status: 'DELIVERED',
      version: 5,
    });
    const [delivered] = await watch.waitFor(1, reached(placeOrder.id, 'DELIVERED'));
    expect(delivered?.data?.orderStatusChanged.order).toMatchObject({
      user: { name: 'Reader' },
      payment: { status: 'CAPTURED' },
    });

    const history = await run('OrderHistory', { userId });
    expect(history.user.orders[0]).toMatchObject({
      id: placeOrder.id,
      status: 'DELIVERED',
      payment: { status: 'CAPTURED', method: 'CARD' },
    });
    expect(history.user.orders[0].statusHistory.map((change: { to: string }) => change.to)).toEqual([
      'PENDING',
      'CONFIRMED',
      'PAID',
      'SHIPPED',
      'DELIVERED',
    ]);
    const deliveredOrders = await run('Orders', { status: 'DELIVERED' });
    expect(deliveredOrders.orders.edges.map((edge: { node: { id: string } }) => edge.node.id)).toContain(placeOrder.id);

    const second = (await run('PlaceOrder', { userId, items: [{ productId: createProduct.id, quantity: 1 }] })).placeOrder;
    expect((await run('CancelOrder', { orderId: second.id, reason: 'Ordered twice' })).cancelOrder.status).toBe('CANCELLED');
  });

  it('should have run every operation in operations/', () => {
    expect([...operations.keys()].filter((name) => !ran.has(name))).toEqual([]);
  });
});
