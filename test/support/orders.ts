// Orders for the tests of the services that work on them (payment), made as a client makes them:
// through the real user, product and order subgraphs, started here with their workers, so the
// product subgraph reserves each order's stock and the order subgraph follows the stock and
// payment events. An administrator sets up the catalogue and the buyer's account; the buyer, a
// customer, places and cancels the orders. A test learns where an order stands from what the
// order subgraph announces on the "order" stream, never by sleeping.
import { randomBytes } from 'node:crypto';
import type { BaseContext } from '@apollo/server';
import type { SubgraphConfig } from '../../shared/config';
import type { EventEnvelope, OrderStatusName } from '../../shared/events/contracts';
import type { Identity } from '../../shared/auth/identity';
import type { Money } from '../../shared/money';
import type { Subgraph, SubgraphDb } from '../../shared/server/run-subgraph';
import { orderSubgraph } from '../../subgraphs/order/server';
import { productSubgraph } from '../../subgraphs/product/server';
import { userSubgraph } from '../../subgraphs/user/server';
import { as, customer } from './auth';
import { createTestDatabases, type TestDatabases } from './databases';
import { TEST_EVENTS_PREFIX } from './events';
import { ok } from './graphql';
import { watchStream, type StreamWatch } from './event-watch';
import { startTestSubgraph, type TestSubgraph } from './subgraphs';

export interface TestOrder {
  id: string;
  /** The order's one product, created for it. */
  productId: string;
  /** What the order subgraph charges: price × quantity. */
  total: Money;
}

export interface OrderOptions {
  /** The unit price of the order's product; 10.00 EUR by default. */
  price?: Money;
  /** How many the order asks for; 1 by default. */
  quantity?: number;
  /** The product's stock; 100 by default. Fewer than `quantity` and the order becomes FAILED. */
  stock?: number;
}

export interface OrderPlacer {
  /** The order subgraph's /graphql URL: the ORDER_SUBGRAPH_URL of the services that ask it. */
  url: string;
  /** Places an order of a new product as the buyer, and resolves as soon as it is placed (PENDING). */
  place(options?: OrderOptions): Promise<TestOrder>;
  close(): Promise<void>;
}

export interface OrderSubgraphs extends OrderPlacer {
  /** The product subgraph's /graphql URL. */
  productUrl: string;
  /** The customer who places every order: an account of the user subgraph. */
  buyer: Identity;
  /** Signs up one more customer (another account), for tests about who may see what. */
  createCustomer(): Promise<Identity>;
  /** Places an order and resolves once its stock is reserved and it is CONFIRMED. */
  confirmed(options?: OrderOptions): Promise<TestOrder>;
  /** The order's change to `status`, once the order subgraph has announced it. */
  reached(orderId: string, status: OrderStatusName): Promise<EventEnvelope<'OrderStatusChanged'>>;
  /** cancelOrder, by the buyer: the order is CANCELLED when this resolves; its announcement follows. */
  cancel(orderId: string, reason?: string): Promise<void>;
  /** updateOrderStatus, an administrator's move (SHIPPED, DELIVERED). */
  moveTo(orderId: string, status: 'SHIPPED' | 'DELIVERED'): Promise<void>;
  /**
   * Starts one more order subgraph, on a database and events prefix of its own that no product
   * subgraph follows: nobody reserves its orders' stock, so they stay PENDING for as long as a
   * test needs, which no race with the reservation of a shared instance can promise.
   */
  startStalled(): Promise<OrderPlacer>;
}

const unique = () => randomBytes(4).toString('hex');

// No userId: an order is the caller's own by default.
const PLACE = `mutation ($items: [OrderItemInput!]!) { placeOrder(items: $items) { id total { amount currency } } }`;

/** The real user, product and order subgraphs on `databases`, wired as in production. */
export async function startOrderSubgraphs(databases: TestDatabases): Promise<OrderSubgraphs> {
  const started: TestSubgraph<unknown>[] = [];
  let events: StreamWatch | undefined;
  const close = async () => {
    events?.close();
    await Promise.all(started.map((subgraph) => subgraph.close()));
  };

  try {
    const [users, products] = await Promise.all([
      startTestSubgraph(userSubgraph, databases.user),
      startTestSubgraph(productSubgraph, databases.product),
    ]);
    started.push(users, products);
    const peers = { USER_SUBGRAPH_URL: users.url, PRODUCT_SUBGRAPH_URL: products.url };
    const orders = await startTestSubgraph(orderSubgraph, databases.order, peers);
    started.push(orders);
    const orderEvents = watchStream('order');
    events = orderEvents;

    const createCustomer = async (): Promise<Identity> => {
      const { createUser } = await ok(users.admin, `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`, {
        input: { email: `buyer-${unique()}@example.com`, name: 'Test Buyer' },
      });
      return customer(createUser.id);
    };
    const buyer = await createCustomer();
    const { createCategory } = await ok(products.admin, `mutation ($name: String!) { createCategory(name: $name) { id } }`, {
      name: `Category ${unique()}`,
    });

    /** Places the order on the order subgraph at `url`, for a product created just for it. */
    const placeOn = async (
      url: string,
      { price = { amount: 1000, currency: 'EUR' }, quantity = 1, stock = 100 }: OrderOptions = {},
    ) => {
      const { createProduct } = await ok(
        products.admin,
        `mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }`,
        {
          input: {
            sku: `SKU-${unique().toUpperCase()}`,
            name: `Widget ${unique()}`,
            price,
            categoryId: createCategory.id,
            stock,
          },
        },
      );
      const { placeOrder } = await ok(as(buyer, url, 'subgraph'), PLACE, { items: [{ productId: createProduct.id, quantity }] });
      return { id: placeOrder.id, productId: createProduct.id, total: placeOrder.total } satisfies TestOrder;
    };

    const reached = async (orderId: string, status: OrderStatusName) => {
      const event = await orderEvents.next((event) => {
        if (event.type !== 'OrderStatusChanged') return false;
        const change = (event as EventEnvelope<'OrderStatusChanged'>).payload;
        return change.orderId === orderId && change.to === status;
      });
      return event as EventEnvelope<'OrderStatusChanged'>;
    };

    return {
      url: orders.url,
      productUrl: products.url,
      buyer,
      createCustomer,
      place: (options) => placeOn(orders.url, options),
      async confirmed(options) {
        const order = await placeOn(orders.url, options);
        await reached(order.id, 'CONFIRMED');
        return order;
      },
      reached,
      async cancel(orderId, reason) {
        await ok(orders.as(buyer), `mutation ($id: ID!, $reason: String) { cancelOrder(id: $id, reason: $reason) { id } }`, {
          id: orderId,
          reason,
        });
      },
      async moveTo(orderId, status) {
        await ok(
          orders.admin,
          `mutation ($id: ID!, $status: OrderStatus!) { updateOrderStatus(id: $id, status: $status) { id } }`,
          {
            id: orderId,
            status,
          },
        );
      },
      async startStalled() {
        const own = await createTestDatabases(['order']);
        try {
          const stalled = await startTestSubgraph(orderSubgraph, own.order, {
            ...peers,
            EVENTS_PREFIX: `${TEST_EVENTS_PREFIX}stalled:`,
          });
          return {
            url: stalled.url,
            place: (options) => placeOn(stalled.url, options),
            close: async () => {
              await stalled.close();
              await own.drop();
            },
          };
        } catch (error) {
          await own.drop();
          throw error;
        }
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The same subgraph serving requests only: no outbox relay, no consumer. A second instance for a
 * test that needs other settings (another ORDER_SUBGRAPH_URL) on the same database, which leaves
 * the events to the file's main instance, so they are still handled one after another by one
 * consumer, as the tests waiting for them expect.
 */
export function withoutWorkers<Db extends SubgraphDb, Config extends SubgraphConfig, TContext extends BaseContext>(
  subgraph: Subgraph<Db, Config, TContext>,
): Subgraph<Db, Config, TContext> {
  return {
    ...subgraph,
    setup: (deps) => {
      const { relay: _relay, eventHandlers: _handlers, ...serving } = subgraph.setup(deps);
      return serving;
    },
  };
}
