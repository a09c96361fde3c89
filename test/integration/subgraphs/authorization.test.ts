// A client that reaches a subgraph directly, past the gateway, and makes up who it is. Subgraphs
// believe only the internal identity header signed with the internal secret: a forged one is
// refused outright (UNAUTHENTICATED, whatever the operation), and anything else a client might
// send (made-up x-user-* headers, even a real access token meant for the gateway) is ignored, so
// the caller is anonymous and sees the public catalogue and nothing private.
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { IDENTITY_HEADER } from '../../../shared/auth/internal-token';
import { accessToken, ADMIN, internalIdentity } from '../../support/auth';
import { createTestDatabases, type TestDatabases } from '../../support/databases';
import { errorCodes, graphql, ok, type Endpoint } from '../../support/graphql';
import { startOrderSubgraphs, type OrderSubgraphs, type TestOrder } from '../../support/orders';
import { startTestSubgraph, type TestSubgraph } from '../../support/subgraphs';
import type { Identity } from '../../../shared/auth/identity';
import type { Db } from '../../../subgraphs/payment/db';
import { paymentSubgraph } from '../../../subgraphs/payment/server';

let databases: TestDatabases;
let orders: OrderSubgraphs;
let payments: TestSubgraph<Db>;
let order: TestOrder;
let paymentId: string;

beforeAll(async () => {
  databases = await createTestDatabases();
  orders = await startOrderSubgraphs(databases);
  payments = await startTestSubgraph(paymentSubgraph, databases.payment, { ORDER_SUBGRAPH_URL: orders.url });
  order = await orders.confirmed();
  const { createPayment } = await ok(
    payments.as(orders.buyer),
    `mutation ($orderId: ID!) { createPayment(orderId: $orderId, method: BANK_TRANSFER) { id } }`,
    { orderId: order.id },
  );
  paymentId = createPayment.id;
});

afterAll(async () => {
  await payments?.close();
  await orders?.close();
  await databases?.drop();
});

/** A JWT with the claims the gateway puts in an internal token, signed with `secret`. */
function internalTokenSignedWith(secret: string, identity: Identity = ADMIN): string {
  return jwt.sign({ role: identity.role }, secret, {
    algorithm: 'HS256',
    subject: identity.userId,
    audience: 'shop-subgraphs',
    issuer: 'gateway',
    expiresIn: 60,
  });
}

/** An "unsigned" token (alg none): the claims of an administrator, and no signature at all. */
function unsignedToken(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = { role: 'ADMIN', sub: ADMIN.userId, aud: 'shop-subgraphs', iss: 'gateway', iat: now, exp: now + 60 };
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

/** A real internal token whose role claim was changed afterwards: its signature no longer matches. */
function tamperedToken(): string {
  const [header, , signature] = internalIdentity({ userId: orders.buyer.userId, role: 'CUSTOMER' })[IDENTITY_HEADER]!.split('.');
  const now = Math.floor(Date.now() / 1000);
  const claims = { role: 'ADMIN', sub: orders.buyer.userId, aud: 'shop-subgraphs', iss: 'gateway', iat: now, exp: now + 60 };
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

const forgedTokens: [string, () => string][] = [
  ['signed with another secret', () => internalTokenSignedWith('a-secret-the-services-do-not-share-0123456789')],
  ['signed with the gateway-facing JWT secret (an access token)', () => accessToken(ADMIN)],
  ['unsigned (alg none)', unsignedToken],
  ['a real token with its role changed', tamperedToken],
  ['not a JWT at all', () => 'admin'],
];

const plainHeaders: [string, () => Record<string, string>][] = [
  ['x-user-id and x-user-role: ADMIN', () => ({ 'x-user-id': ADMIN.userId, 'x-user-role': 'ADMIN' })],
  ["x-user-id naming the order's buyer", () => ({ 'x-user-id': orders.buyer.userId, 'x-user-role': 'CUSTOMER' })],
  ["a valid administrator's access token in Authorization", () => ({ authorization: `Bearer ${accessToken(ADMIN)}` })],
];

const ORDER = `query ($id: ID!) { order(id: $id) { id } }`;
const ORDERS = `{ orders { totalCount } }`;
const PAYMENT = `query ($id: ID!) { payment(id: $id) { id } }`;
const CATEGORIES = `{ categories { id name } }`;
const CREATE_CATEGORY = `mutation ($name: String!) { createCategory(name: $name) { id } }`;
const CANCEL = `mutation ($id: ID!) { cancelOrder(id: $id) { id } }`;
const ORDER_ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id } } }`;
const PAYMENT_ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Payment { id } } }`;

/** Every subgraph at once, each with the same made-up headers. */
function endpoints(headers: Record<string, string>) {
  return {
    product: { url: orders.productUrl, headers } satisfies Endpoint,
    order: { url: orders.url, headers } satisfies Endpoint,
    payment: { url: payments.url, headers } satisfies Endpoint,
  };
}

describe('a forged internal identity', () => {
  it.each(forgedTokens)('should refuse every operation with UNAUTHENTICATED when the token is %s', async (_, token) => {
    const { product, order: orderSubgraph, payment } = endpoints({ [IDENTITY_HEADER]: token() });
    const name = `Forged ${randomUUID()}`;
    const responses = await Promise.all([
      graphql(product, CATEGORIES),
      graphql(product, CREATE_CATEGORY, { name }),
      graphql(orderSubgraph, ORDER, { id: order.id }),
      graphql(orderSubgraph, ORDERS),
      graphql(orderSubgraph, CANCEL, { id: order.id }),
      graphql(orderSubgraph, ORDER_ENTITIES, { r: [{ __typename: 'Order', id: order.id }] }),
      graphql(payment, PAYMENT, { id: paymentId }),
      graphql(payment, PAYMENT_ENTITIES, { r: [{ __typename: 'Payment', id: paymentId }] }),
    ]);
    for (const response of responses) {
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
      expect(response.data ?? null).toBeNull();
    }
    // Nothing was written either.
    const { categories } = await ok(orders.productUrl, CATEGORIES);
    expect(categories.map((category: { name: string }) => category.name)).not.toContain(name);
    const { order: read } = await ok(
      orders.url,
      `query ($id: ID!) { order(id: $id) { status } }`,
      { id: order.id },
      internalIdentity(ADMIN),
    );
    expect(read.status).toBe('CONFIRMED');
  });

  it('should accept the same operations with a token signed with the internal secret', async () => {
    const { product, order: orderSubgraph, payment } = endpoints(internalIdentity(ADMIN));
    expect((await ok(product, CATEGORIES)).categories.length).toBeGreaterThan(0);
    expect((await ok(orderSubgraph, ORDER, { id: order.id })).order).toEqual({ id: order.id });
    expect((await ok(payment, PAYMENT, { id: paymentId })).payment).toEqual({ id: paymentId });
  });
});

describe('made-up identity headers', () => {
  it.each(plainHeaders)('should ignore %s: the caller is anonymous and sees only the catalogue', async (_, headers) => {
    const { product, order: orderSubgraph, payment } = endpoints(headers());
    expect((await ok(product, CATEGORIES)).categories.length).toBeGreaterThan(0);
    expect(errorCodes(await graphql(product, CREATE_CATEGORY, { name: `Plain ${randomUUID()}` }))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await graphql(orderSubgraph, ORDER, { id: order.id }))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await graphql(orderSubgraph, ORDERS))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await graphql(orderSubgraph, CANCEL, { id: order.id }))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await graphql(payment, PAYMENT, { id: paymentId }))).toEqual(['UNAUTHENTICATED']);
    const orderEntities = await ok(orderSubgraph, ORDER_ENTITIES, { r: [{ __typename: 'Order', id: order.id }] });
    expect(orderEntities._entities).toEqual([null]);
    const paymentEntities = await ok(payment, PAYMENT_ENTITIES, { r: [{ __typename: 'Payment', id: paymentId }] });
    expect(paymentEntities._entities).toEqual([null]);
  });
});
