// Every example operation in operations/ runs here against the real supergraph, in the order a
// reader would use them and as the caller they are meant for (anonymous, a customer who signed
// up, an administrator), so the examples the README links to never rot.
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { ok, type Endpoint } from '../support/graphql';
import { loadOperations } from '../support/operations';
import { startStack, type Stack } from '../support/stack';
import { subscribe, type TestSubscription } from '../support/subscriptions';
import { reached } from './helpers';

const operations = loadOperations();
const ran = new Set<string>();

let databases: TestDatabases;
let stack: Stack;
let watch: TestSubscription | undefined;

beforeAll(async () => {
  databases = await createTestDatabases();
  stack = await startStack(databases);
}, 120_000);

afterAll(async () => {
  await watch?.close();
  await stack?.stop();
  await databases?.drop();
});

/** Runs the example operation `name` with `variables` as `caller`; it must succeed. */
function run(name: string, variables: Record<string, unknown> = {}, caller: string | Endpoint = stack.admin) {
  const operation = operations.get(name);
  if (!operation) throw new Error(`operations/ has no operation named ${name}`);
  ran.add(name);
  return ok(caller, { query: operation.document, operationName: name }, variables);
}

/** The gateway as the holder of `accessToken`, as Sandbox sends it in the Authorization header. */
function withToken(accessToken: string): Endpoint {
  return { url: stack.gatewayUrl, headers: { authorization: `Bearer ${accessToken}` } };
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

    const anonymous = stack.gatewayUrl;
    const catalogue = await run('Catalogue', { search: 'brass', minPrice: 1_000, maxPrice: 10_000 }, anonymous);
    expect(catalogue.products.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([createProduct.id]);
    expect(catalogue.categories).toContainEqual({ id: createCategory.id, name: 'Lamps', productCount: 1 });
    expect((await run('Product', { id: createProduct.id }, anonymous)).product).toMatchObject({
      name: 'Brass Desk Lamp',
      stock: 8,
      inStock: true,
    });

    const credentials = { email: 'reader@example.com', password: 'a long enough password' };
    const { signUp } = await run('SignUp', { input: { ...credentials, name: 'Reader' } }, anonymous);
    expect(signUp.user).toMatchObject({ email: credentials.email, role: 'CUSTOMER' });
    const { login } = await run('LogIn', credentials, anonymous);
    const reader = withToken(login.accessToken);
    expect((await run('Me', {}, reader)).me).toMatchObject({ id: signUp.user.id, name: 'Reader', role: 'CUSTOMER' });

    const subscription = operations.get('WatchOrder')!;
    watch = await subscribe(reader, subscription.document);
    ran.add('WatchOrder');
    const items = [{ productId: createProduct.id, quantity: 2 }];
    const { placeOrder } = await run('PlaceOrder', { items }, reader);
    expect(placeOrder).toMatchObject({ status: 'PENDING', total: { amount: 9_998, currency: 'USD' } });
    await watch.waitFor(1, reached(placeOrder.id, 'CONFIRMED'));

    const { payForOrder } = await run(
      'PayForOrder',
      { orderId: placeOrder.id, idempotencyKey: `readme-${placeOrder.id}`, paymentToken: 'tok_visa' },
      reader,
    );
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

    const history = await run('OrderHistory', {}, reader);
    expect(history.me.orders[0]).toMatchObject({
      id: placeOrder.id,
      status: 'DELIVERED',
      payment: { status: 'CAPTURED', method: 'CARD' },
    });
    expect(history.me.orders[0].statusHistory.map((change: { to: string }) => change.to)).toEqual([
      'PENDING',
      'CONFIRMED',
      'PAID',
      'SHIPPED',
      'DELIVERED',
    ]);
    const deliveredOrders = await run('Orders', { status: 'DELIVERED' });
    expect(deliveredOrders.orders.edges.map((edge: { node: { id: string } }) => edge.node.id)).toContain(placeOrder.id);

    const second = (await run('PlaceOrder', { items: [{ productId: createProduct.id, quantity: 1 }] }, reader)).placeOrder;
    expect((await run('CancelOrder', { orderId: second.id, reason: 'Ordered twice' }, reader)).cancelOrder.status).toBe(
      'CANCELLED',
    );

    const { refresh } = await run('Refresh', { refreshToken: login.refreshToken }, anonymous);
    expect((await run('Me', {}, withToken(refresh.accessToken))).me.id).toBe(signUp.user.id);
    expect((await run('LogOut', { refreshToken: refresh.refreshToken }, anonymous)).logout).toBe(true);
  });

  it('should have run every operation in operations/', () => {
    expect([...operations.keys()].filter((name) => !ran.has(name))).toEqual([]);
  });
});
