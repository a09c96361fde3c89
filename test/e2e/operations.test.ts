// Every example operation in operations/ runs here against the real supergraph, in the order a
// reader would use them and as the caller they are meant for (anonymous, a customer who signed
// up, an administrator), so the examples the README links to never rot.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  AdjustStockDocument,
  CancelOrderDocument,
  CatalogueDocument,
  CreateCategoryDocument,
  CreateProductDocument,
  DeliverOrderDocument,
  LogInDocument,
  LogOutDocument,
  MeDocument,
  OrderHistoryDocument,
  OrdersDocument,
  PayForOrderDocument,
  PlaceOrderDocument,
  ProductDocument,
  RefreshDocument,
  ShipOrderDocument,
  SignUpDocument,
} from '../../operations/generated/graphql';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { ok, type Endpoint } from '../support/graphql';
import { loadOperations, operationName } from '../support/operations';
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

/**
 * Runs the example operation of `document` with `variables` as `caller`; it must succeed. Sent as
 * a reader would send it: its whole file, with its operationName. The document types the rest.
 */
function run<TResult, TVariables extends Record<string, unknown>>(
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  caller: string | Endpoint = stack.admin,
): Promise<TResult> {
  const name = operationName(document);
  const operation = operations.get(name);
  if (!operation) throw new Error(`operations/ has no operation named ${name}`);
  ran.add(name);
  return ok<TResult>(caller, { query: operation.document, operationName: name }, variables);
}

/** The gateway as the holder of `accessToken`, as Sandbox sends it in the Authorization header. */
function withToken(accessToken: string): Endpoint {
  return { url: stack.gatewayUrl, headers: { authorization: `Bearer ${accessToken}` } };
}

describe('example operations (operations/*.graphql)', () => {
  it('should take a product from the catalogue through an order to delivery, and cancel another', async () => {
    const { createCategory } = await run(CreateCategoryDocument, { name: 'Lamps' });
    const { createProduct } = await run(CreateProductDocument, {
      input: {
        sku: 'LAMP-001',
        name: 'Brass Desk Lamp',
        price: { amount: 4_999, currency: 'USD' },
        categoryId: createCategory.id,
        stock: 5,
      },
    });
    expect((await run(AdjustStockDocument, { productId: createProduct.id, delta: 3 })).adjustStock.stock).toBe(8);

    const anonymous = stack.gatewayUrl;
    const catalogue = await run(CatalogueDocument, { search: 'brass', minPrice: 1_000, maxPrice: 10_000 }, anonymous);
    expect(catalogue.products.edges.map((edge) => edge.node.id)).toEqual([createProduct.id]);
    expect(catalogue.categories).toContainEqual({ id: createCategory.id, name: 'Lamps', productCount: 1 });
    expect((await run(ProductDocument, { id: createProduct.id }, anonymous)).product).toMatchObject({
      name: 'Brass Desk Lamp',
      stock: 8,
      inStock: true,
    });

    const credentials = { email: 'reader@example.com', password: 'a long enough password' };
    const { signUp } = await run(SignUpDocument, { input: { ...credentials, name: 'Reader' } }, anonymous);
    expect(signUp.user).toMatchObject({ email: credentials.email, role: 'CUSTOMER' });
    const { login } = await run(LogInDocument, credentials, anonymous);
    const reader = withToken(login.accessToken);
    expect((await run(MeDocument, {}, reader)).me).toMatchObject({ id: signUp.user.id, name: 'Reader', role: 'CUSTOMER' });

    const subscription = operations.get('WatchOrder')!;
    watch = await subscribe(reader, subscription.document);
    ran.add('WatchOrder');
    const items = [{ productId: createProduct.id, quantity: 2 }];
    const { placeOrder } = await run(PlaceOrderDocument, { items }, reader);
    expect(placeOrder).toMatchObject({ status: 'PENDING', total: { amount: 9_998, currency: 'USD' } });
    await watch.waitFor(1, reached(placeOrder.id, 'CONFIRMED'));

    const { payForOrder } = await run(
      PayForOrderDocument,
      { orderId: placeOrder.id, idempotencyKey: `readme-${placeOrder.id}`, paymentToken: 'tok_visa' },
      reader,
    );
    expect(payForOrder).toMatchObject({ status: 'CAPTURED', amount: { amount: 9_998, currency: 'USD' } });
    await watch.waitFor(1, reached(placeOrder.id, 'PAID'));
    await run(ShipOrderDocument, { orderId: placeOrder.id });
    expect((await run(DeliverOrderDocument, { orderId: placeOrder.id })).updateOrderStatus).toMatchObject({
      status: 'DELIVERED',
      version: 5,
    });
    const [delivered] = await watch.waitFor(1, reached(placeOrder.id, 'DELIVERED'));
    expect(delivered?.data?.orderStatusChanged.order).toMatchObject({
      user: { name: 'Reader' },
      payment: { status: 'CAPTURED' },
    });

    const history = await run(OrderHistoryDocument, {}, reader);
    expect(history.me?.orders[0]).toMatchObject({
      id: placeOrder.id,
      status: 'DELIVERED',
      payment: { status: 'CAPTURED', method: 'CARD' },
    });
    expect(history.me?.orders[0]?.statusHistory.map((change) => change.to)).toEqual([
      'PENDING',
      'CONFIRMED',
      'PAID',
      'SHIPPED',
      'DELIVERED',
    ]);
    const deliveredOrders = await run(OrdersDocument, { status: 'DELIVERED' });
    expect(deliveredOrders.orders.edges.map((edge) => edge.node.id)).toContain(placeOrder.id);

    const second = (await run(PlaceOrderDocument, { items: [{ productId: createProduct.id, quantity: 1 }] }, reader)).placeOrder;
    expect((await run(CancelOrderDocument, { orderId: second.id, reason: 'Ordered twice' }, reader)).cancelOrder.status).toBe(
      'CANCELLED',
    );

    const { refresh } = await run(RefreshDocument, { refreshToken: login.refreshToken }, anonymous);
    expect((await run(MeDocument, {}, withToken(refresh.accessToken))).me?.id).toBe(signUp.user.id);
    expect((await run(LogOutDocument, { refreshToken: refresh.refreshToken }, anonymous)).logout).toBe(true);
  });

  it('should have run every operation in operations/', () => {
    expect([...operations.keys()].filter((name) => !ran.has(name))).toEqual([]);
  });
});
