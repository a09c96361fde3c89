import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { conflict, notFound } from '../../shared/errors';
import { DateTime } from '../../shared/graphql/scalars';
import { loadRequired } from '../../shared/loaders';
import { MAX_PAGE_SIZE, readPage, toConnection, type Connection, type PageArgs } from '../../shared/pagination';
import { requireId, requireInt } from '../../shared/validation';
import type { Order, OrderItem, OrderStatus, Prisma } from '../../prisma/order/generated/client';
import type { Context } from './context';
import { priceOrder, requireOrderItems, type OrderItemInput } from './placement';
import { ORDER_TRANSITIONS, canTransition, isFinal } from './status';

interface OrderFilter {
  status?: OrderStatus | null;
  userId?: string | null;
}

/** An item row carries amounts only; the currency is its order's. */
type PricedItem = OrderItem & { currency: string };

/** A connection remembers its filter, so `totalCount` counts the same orders, and only when asked. */
type OrderConnection = Connection<Order> & { where: Prisma.OrderWhereInput };

function orderWhere(filter: OrderFilter | null | undefined): Prisma.OrderWhereInput {
  return {
    ...(filter?.status && { status: filter.status }),
    ...(filter?.userId && { userId: requireId(filter.userId, 'filter.userId') }),
  };
}

function requireTransition(from: OrderStatus, to: OrderStatus): void {
  if (canTransition(from, to)) return;
  const message = isFinal(from)
    ? `The order is ${from}, which is final; it cannot become ${to}.`
    : `An order cannot go from ${from} to ${to}; from ${from} it can become ${ORDER_TRANSITIONS[from].join(', ')}.`;
  throw conflict(message, { from, to });
}

export const resolvers: GraphQLResolverMap<Context> = {
  DateTime,

  Query: {
    order: (_: unknown, { id }: { id: string }, { loaders }: Context) => loadRequired(loaders.order, 'Order', id),
    async orders(_: unknown, args: PageArgs & { filter?: OrderFilter | null }, { db }: Context): Promise<OrderConnection> {
      const page = readPage(args);
      const where = orderWhere(args.filter);
      // Newest first; ids are UUIDv7, so "before the cursor" is simply a smaller id, and a
      // cursor stays valid even if its order is gone.
      const rows = await db.order.findMany({
        where: { ...where, ...(page.afterId && { id: { lt: page.afterId } }) },
        orderBy: { id: 'desc' },
        take: page.take + 1,
      });
      return { ...toConnection(rows, page), where };
    },
  },

  OrderConnection: {
    totalCount: ({ where }: OrderConnection, _: unknown, { db }: Context) => db.order.count({ where }),
  },

  Mutation: {
    async placeOrder(
      _: unknown,
      { userId, items }: { userId: string; items: OrderItemInput[] },
      { db, loaders, catalog }: Context,
    ) {
      const buyer = requireId(userId, 'userId');
      const requested = requireOrderItems(items);
      // Both questions at once: neither depends on the other, and both must be answered before writing.
      const [userExists, products] = await Promise.all([
        catalog.userExists(buyer),
        catalog.products(requested.map((item) => item.productId)),
      ]);
      if (!userExists) throw notFound('User', userId);
      const priced = priceOrder(requested, products);

      // One statement tree in one transaction: the order and all its items, or nothing.
      const { items: created, ...order } = await db.order.create({
        data: {
          userId: buyer,
          status: 'PENDING',
          currency: priced.currency,
          totalAmount: priced.totalAmount,
          items: { create: priced.items },
        },
        include: { items: { orderBy: { id: 'asc' } } },
      });
      loaders.items.prime(order.id, created);
      return order;
    },

    async updateOrderStatus(_: unknown, { id, status }: { id: string; status: OrderStatus }, { db }: Context) {
      const orderId = requireId(id);
      const current = await db.order.findUnique({ where: { id: orderId }, select: { status: true } });
      if (!current) throw notFound('Order', id);
      requireTransition(current.status, status);

      // Guarded by the status just checked: if another request changed it in between, nothing
      // is updated, rather than applying a transition that was never checked.
      const [updated] = await db.order.updateManyAndReturn({
        where: { id: orderId, status: current.status },
        data: { status },
      });
      if (updated) return updated;

      const now = await db.order.findUnique({ where: { id: orderId }, select: { status: true } });
      if (!now) throw notFound('Order', id);
      throw conflict(
        `The order changed from ${current.status} to ${now.status} while this request tried to make it ${status}; read it again before retrying.`,
        { from: now.status, to: status },
      );
    },
  },

  Order: {
    __resolveReference: ({ id }: Pick<Order, 'id'>, { loaders }: Context) => loaders.order.load(id),
    user: ({ userId }: Order) => ({ __typename: 'User', id: userId }),
    total: ({ totalAmount, currency }: Order) => ({ amount: totalAmount, currency }),
    async items({ id, currency }: Order, _: unknown, { loaders }: Context): Promise<PricedItem[]> {
      return (await loaders.items.load(id)).map((item) => ({ ...item, currency }));
    },
  },

  OrderItem: {
    product: ({ productId }: PricedItem) => ({ __typename: 'Product', id: productId }),
    unitPrice: ({ unitPriceAmount, currency }: PricedItem) => ({ amount: unitPriceAmount, currency }),
    lineTotal: ({ quantity, unitPriceAmount, currency }: PricedItem) => ({ amount: quantity * unitPriceAmount, currency }),
  },

  // No __resolveReference: a representation ({ id }) is all this subgraph knows of a user, and
  // the user subgraph decides whether that user exists.
  User: {
    orders(
      { id }: { id: string },
      { status, first }: { status?: OrderStatus | null; first?: number | null },
      { loaders }: Context,
    ) {
      const size = requireInt(first ?? 20, 'first', { min: 1, max: MAX_PAGE_SIZE });
      return loaders.userOrders.load({ userId: id, status: status ?? null, first: size });
    },
  },
};
