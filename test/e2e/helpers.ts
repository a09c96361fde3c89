// Building blocks for end-to-end tests: test data created through the gateway, as a client would,
// each as the caller `gateway` names (an administrator for the catalogue and for shipping).
import { randomBytes } from 'node:crypto';
import { ok, type Endpoint } from '../support/graphql';

const unique = () => randomBytes(4).toString('hex');

export async function createBuyer(gateway: Endpoint, overrides: { name?: string } = {}): Promise<string> {
  const { createUser } = await ok(gateway, `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`, {
    input: { email: `buyer-${unique()}@example.com`, name: overrides.name ?? 'Test Buyer' },
  });
  return createUser.id;
}

export async function createProduct(
  gateway: Endpoint,
  { stock = 100, amount = 1000, name = `Widget ${unique()}` }: { stock?: number; amount?: number; name?: string } = {},
): Promise<string> {
  const { createCategory } = await ok(gateway, `mutation ($name: String!) { createCategory(name: $name) { id } }`, {
    name: `Category ${unique()}`,
  });
  const { createProduct: product } = await ok(
    gateway,
    `mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }`,
    {
      input: {
        sku: `SKU-${unique().toUpperCase()}`,
        name,
        price: { amount, currency: 'USD' },
        categoryId: createCategory.id,
        stock,
      },
    },
  );
  return product.id;
}

export async function placeOrder(gateway: Endpoint, userId: string, productId: string, quantity = 1): Promise<string> {
  const { placeOrder: order } = await ok(
    gateway,
    `mutation ($userId: ID!, $items: [OrderItemInput!]!) { placeOrder(userId: $userId, items: $items) { id } }`,
    { userId, items: [{ productId, quantity }] },
  );
  return order.id;
}

export async function payForOrder(gateway: Endpoint, orderId: string, token = 'tok_visa', key = `key-${unique()}`) {
  const { payForOrder: payment } = await ok(
    gateway,
    `mutation ($orderId: ID!, $key: String!, $token: String) {
      payForOrder(orderId: $orderId, method: CARD, idempotencyKey: $key, paymentToken: $token) { id status }
    }`,
    { orderId, key, token },
  );
  return payment as { id: string; status: string };
}

export async function setOrderStatus(gateway: Endpoint, id: string, status: string): Promise<void> {
  await ok(gateway, `mutation ($id: ID!, $status: OrderStatus!) { updateOrderStatus(id: $id, status: $status) { id } }`, {
    id,
    status,
  });
}

/** The status changes of one order among a subscription's results, in delivery order. */
export function changesOf(results: { data?: Record<string, any> | null }[], orderId: string, field = 'orderStatusChanged') {
  return results.map((result) => result.data?.[field]).filter((change) => change?.orderId === orderId);
}

/** Matches a subscription result announcing that `orderId` reached status `to`. */
export const reached = (orderId: string, to: string) => (result: { data?: Record<string, any> | null }) =>
  result.data?.orderStatusChanged?.orderId === orderId && result.data?.orderStatusChanged?.to === to;
