// A test double for a peer service at the HTTP boundary: a stand-in for the order subgraph that
// resolves Order entities from an in-memory map the test controls. The payment subgraph's tests
// use it so they depend neither on the real order subgraph nor on the subgraphs it needs in turn.
// It speaks the real protocol (`_entities` over HTTP, built by @apollo/subgraph), nothing more.
import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import type { Money } from '../../shared/money';

export type FakeOrderStatus =
  | 'PENDING'
  | 'CONFIRMED'
  | 'FAILED'
  | 'PAID'
  | 'PAYMENT_FAILED'
  | 'SHIPPED'
  | 'DELIVERED'
  | 'CANCELLED';

export interface FakeOrder {
  id: string;
  status: FakeOrderStatus;
  total: Money;
}

export interface FakeOrderSubgraph {
  url: string;
  /** The orders this stand-in knows; tests add, change and remove them at will. */
  orders: Map<string, FakeOrder>;
  /** Adds an order (a fresh id, CONFIRMED, i.e. awaiting payment, 49.99 EUR unless overridden) and returns it. */
  addOrder(overrides?: Partial<FakeOrder>): FakeOrder;
  /**
   * Makes the next `count` order lookups wait until all of them have arrived, then answer them
   * together: concurrent callers reach whatever follows the lookup at the same moment, so a race
   * there actually happens instead of being hidden by uneven timing.
   */
  holdLookups(count: number): void;
  close(): Promise<void>;
}

const typeDefs = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])

  type Order @key(fields: "id") {
    id: ID!
    status: OrderStatus!
    total: Money!
  }

  enum OrderStatus {
    PENDING
    CONFIRMED
    FAILED
    PAID
    PAYMENT_FAILED
    SHIPPED
    DELIVERED
    CANCELLED
  }

  type Money @shareable {
    amount: Int!
    currency: String!
  }
`);

export async function startFakeOrderSubgraph(): Promise<FakeOrderSubgraph> {
  const orders = new Map<string, FakeOrder>();
  let hold: { waiting: number; released: Promise<void>; release: () => void } | undefined;

  async function lookUp(id: string): Promise<FakeOrder | null> {
    const current = hold;
    if (current) {
      current.waiting -= 1;
      if (current.waiting === 0) {
        hold = undefined;
        current.release();
      }
      await current.released;
    }
    return orders.get(id) ?? null;
  }

  const server = new ApolloServer({
    schema: buildSubgraphSchema({
      typeDefs,
      resolvers: { Order: { __resolveReference: ({ id }: { id: string }) => lookUp(id) } },
    }),
    // Keeps test output clean: Apollo announces inline tracing on start otherwise.
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return {
    url,
    orders,
    addOrder(overrides = {}) {
      const order: FakeOrder = { id: randomUUID(), status: 'CONFIRMED', total: { amount: 4999, currency: 'EUR' }, ...overrides };
      orders.set(order.id, order);
      return order;
    },
    holdLookups(count) {
      let release = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      hold = { waiting: count, released, release };
    },
    close: () => server.stop(),
  };
}
