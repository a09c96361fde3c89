// The four workloads of the gateway benchmark, as autocannon request sequences. They run in the
// load process, so everything they need arrives as plain data (Fixtures) and each request's
// caller is set per request: a rotating set of real customers, or the administrator.
import { randomUUID } from 'node:crypto';
import type { Request } from 'autocannon';

/** What the benchmark's seeded data set offers the workloads. */
export interface Fixtures {
  adminId: string;
  /** Customers with at least 10 orders each. */
  customerIds: string[];
  /** In-stock products, with stock enough for every order the run places. */
  productIds: string[];
  categoryIds: string[];
}

/** Headers that make a request `userId`'s (our gateway: an access token; peers: see peers.ts). */
export type Authorize = (identity: { userId: string; role: 'CUSTOMER' | 'ADMIN' }) => Record<string, string>;

export interface Workload {
  name: OperationName;
  title: string;
  requests(fixtures: Fixtures, authorize: Authorize): Request[];
}

export type OperationName = 'catalogue' | 'orderHistory' | 'placeAndPay' | 'largeOrders';

const MONEY = 'amount currency';

const CATALOGUE = /* GraphQL */ `
  query Catalogue($categoryId: ID, $minPrice: Int, $maxPrice: Int, $after: String) {
    products(first: 20, after: $after, filter: { categoryId: $categoryId, minPrice: $minPrice, maxPrice: $maxPrice, inStock: true }) {
      totalCount
      edges { node { id sku name price { ${MONEY} } stock category { id name } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

/** Fields of an order the deep queries ask for: all four subgraphs. */
const ORDER_FIELDS = `
  id status createdAt updatedAt version total { ${MONEY} }
  user { id name email }
  items { id quantity productName unitPrice { ${MONEY} } lineTotal { ${MONEY} } product { id name sku price { ${MONEY} } category { id name } } }
  payment { id status method amount { ${MONEY} } createdAt }
  statusHistory { id from to at reason version }
`;

const ORDER_HISTORY = /* GraphQL */ `
  query OrderHistory {
    me { id name email orders(first: 10) { ${ORDER_FIELDS} } }
  }
`;

const LARGE_ORDERS = /* GraphQL */ `
  query LargeOrders {
    orders(first: 100) { totalCount edges { node { ${ORDER_FIELDS} } } }
  }
`;

const PLACE_ORDER = /* GraphQL */ `
  mutation PlaceOrder($items: [OrderItemInput!]!) {
    placeOrder(items: $items) { id status total { ${MONEY} } }
  }
`;

const PAY_FOR_ORDER = /* GraphQL */ `
  mutation PayForOrder($orderId: ID!, $key: String!) {
    payForOrder(orderId: $orderId, method: CARD, idempotencyKey: $key, paymentToken: "tok_visa") { id status amount { ${MONEY} } }
  }
`;

/** Filters a shopper might set: a price band, or a category, or a category within a band. */
function catalogueFilters({ categoryIds }: Fixtures): Record<string, unknown>[] {
  const bands = [{ minPrice: 0, maxPrice: 5_000 }, { minPrice: 5_000, maxPrice: 20_000 }, { minPrice: 20_000 }, {}];
  return categoryIds.flatMap((categoryId, index) => [
    { categoryId },
    { categoryId, ...bands[index % bands.length] },
    bands[index % bands.length]!,
  ]);
}

function post(query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  return {
    method: 'POST' as const,
    path: '/graphql',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  };
}

/** The next element of `list` for each call, shared by every connection of the run. */
function rotation<T>(list: readonly T[]): () => T {
  let next = 0;
  return () => list[next++ % list.length]!;
}

export const WORKLOADS: Record<OperationName, Workload> = {
  catalogue: {
    name: 'catalogue',
    title: 'Catalogue page (20 products, filters, price, category)',
    requests(fixtures, authorize) {
      const filter = rotation(catalogueFilters(fixtures));
      const customer = rotation(fixtures.customerIds);
      return [
        {
          setupRequest: (request) => ({
            ...request,
            ...post(CATALOGUE, filter(), authorize({ userId: customer(), role: 'CUSTOMER' })),
          }),
        },
      ];
    },
  },
  orderHistory: {
    name: 'orderHistory',
    title: "Deep order history (a customer's last 10 orders, items, product, category, payment, user)",
    requests(fixtures, authorize) {
      const customer = rotation(fixtures.customerIds);
      return [
        {
          setupRequest: (request) => ({
            ...request,
            ...post(ORDER_HISTORY, {}, authorize({ userId: customer(), role: 'CUSTOMER' })),
          }),
        },
      ];
    },
  },
  placeAndPay: {
    name: 'placeAndPay',
    title: 'placeOrder + payForOrder (each connection pays for the order it placed one round before)',
    requests(fixtures, authorize) {
      const customer = rotation(fixtures.customerIds);
      const product = rotation(fixtures.productIds);
      const state = (context: object) =>
        context as { customer?: string; placed?: string; previous?: string; previousCustomer?: string };
      return [
        {
          setupRequest: (request, context) => {
            const round = state(context);
            round.customer = customer();
            const items = [
              { productId: product(), quantity: 1 },
              { productId: product(), quantity: 2 },
            ];
            return { ...request, ...post(PLACE_ORDER, { items }, authorize({ userId: round.customer, role: 'CUSTOMER' })) };
          },
          onResponse: (_status, body, context) => {
            // The order is PENDING until the product service has reserved its stock, so it is paid
            // for one round later, by which time its events have gone round.
            const round = state(context);
            round.previous = round.placed;
            round.previousCustomer = round.customer;
            round.placed = JSON.parse(body)?.data?.placeOrder?.id;
          },
        },
        {
          setupRequest: (request, context) => {
            const round = state(context);
            // A connection's first round has nothing to pay yet: back to placing (autocannon's reset).
            if (!round.previous || !round.previousCustomer) return undefined as unknown as typeof request;
            const headers = authorize({ userId: round.previousCustomer, role: 'CUSTOMER' });
            return { ...request, ...post(PAY_FOR_ORDER, { orderId: round.previous, key: randomUUID() }, headers) };
          },
        },
      ];
    },
  },
  largeOrders: {
    name: 'largeOrders',
    title: 'Large query (100 orders with every nested field)',
    requests(fixtures, authorize) {
      const headers = () => authorize({ userId: fixtures.adminId, role: 'ADMIN' });
      return [{ setupRequest: (request) => ({ ...request, ...post(LARGE_ORDERS, {}, headers()) }) }];
    },
  },
};
