// What this subgraph's resolvers return for the GraphQL types that are not a Prisma row.
// codegen.ts maps each type to its model here, so the generated `Resolvers` checks every
// resolver against it and hands it to field resolvers as their parent.
import type { Order, OrderItem, Prisma } from '../../prisma/order/generated/client';
import type { Connection } from '../../shared/pagination';

/** `OrderItem`: an item row carries amounts only; the currency is its order's. */
export type PricedItem = OrderItem & { currency: string };

/** `OrderConnection`: a page remembers its filter, so `totalCount` counts the same orders, and only when asked. */
export type OrderConnection = Connection<Order> & { where: Prisma.OrderWhereInput };

/** `User` and `Product`: entities other subgraphs own, known here by their key alone. */
export interface EntityReference {
  id: string;
}
