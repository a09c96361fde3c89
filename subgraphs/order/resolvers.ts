import { ApolloServerErrorCode } from '@apollo/server/errors';
import type { GraphQLResolverMap } from '@apollo/subgraph';
import { GraphQLError } from 'graphql';
import { badUserInput, notFound } from '../../shared/errors';
import { enqueueEvent } from '../../shared/events/outbox';
import { DateTime } from '../../shared/graphql/scalars';
import { loadRequired } from '../../shared/loaders';
import { MAX_PAGE_SIZE, readPage, toConnection, type Connection, type PageArgs } from '../../shared/pagination';
import { requireId, requireInt, requireText } from '../../shared/validation';
import type { Order, OrderItem, OrderStatus, OrderStatusChange, Prisma } from '../../prisma/order/generated/client';
import { buyerOf, listedOwner } from './access';
import type { Context } from './context';
import { priceOrder, requireOrderItems, type OrderItemInput } from './placement';
import { INITIAL_STATUS, triggerInto } from './status';
import { changeStatus, withLockedOrder } from './transitions';

interface OrderFilter {
  status?: OrderStatus | null;
  userId?: string | null;
}

/** An item row carries amounts only; the currency is its order's. */
type PricedItem = OrderItem & { currency: string };

/** A connection remembers its filter, so `totalCount` counts the same orders, and only when asked. */
type OrderConnection = Connection<Order> & { where: Prisma.OrderWhereInput };

function orderWhere(status: OrderStatus | null | undefined, userId: string | undefined): Prisma.OrderWhereInput {
  return { ...(status && { status }), ...(userId && { userId }) };
}

export const MAX_REASON_LENGTH = 500;

/** A cancellation reason: optional, and a blank one is no reason. */
function optionalReason(reason: string | null | undefined): string | null {
  if (!reason?.trim()) return null;
  return requireText(reason, 'reason', { max: MAX_REASON_LENGTH });
}

/** The statuses `updateOrderStatus` may set; the others say who sets them instead. */
function requireAdminStatus(status: OrderStatus): void {
  const trigger = triggerInto(status);
  if (trigger === 'admin') return;
  const why =
    trigger === 'cancellation'
      ? 'Use cancelOrder to cancel an order.'
      : `${status} is set by the order lifecycle (placement, stock reservation, payment), not by hand.`;
  throw badUserInput(`updateOrderStatus only moves orders to SHIPPED or DELIVERED. ${why}`, 'status');
}

/** Served by the gateway, which resolves each change it announces through Query.orderStatusChange. */
function subscriptionsServedByGateway(): never {
  throw new GraphQLError(
    'This subgraph does not serve subscriptions: subscribe to orderStatusChanged through the gateway, over graphql-ws.',
    { extensions: { code: ApolloServerErrorCode.BAD_REQUEST } },
  );
}

export const resolvers: GraphQLResolverMap<Context> = {
  DateTime,

  Query: {
    async order(_: unknown, { id }: { id: string }, { loaders, viewer }: Context) {
      viewer.requireSignedIn();
      return viewer.requireVisible(await loaders.order.load(requireId(id)), 'Order', id);
    },
    async orderStatusChange(_: unknown, { id }: { id: string }, { loaders, viewer }: Context) {
      viewer.requireSignedIn();
      const change = await loadRequired(loaders.statusChange, 'OrderStatusChange', id);
      // Another customer's change reads as one that does not exist: the same error, word for word.
      if (!viewer.visible(await loaders.order.load(change.orderId))) throw notFound('OrderStatusChange', id);
      return change;
    },
    async orders(
      _: unknown,
      args: PageArgs & { filter?: OrderFilter | null },
      { db, viewer }: Context,
    ): Promise<OrderConnection> {
      const owner = listedOwner(viewer, args.filter?.userId);
      const page = readPage(args);
      // totalCount counts with this same condition, so it is scoped to the caller's orders too.
      const where = orderWhere(args.filter?.status, owner);
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
      { userId, items }: { userId?: string | null; items: OrderItemInput[] },
      { db, loaders, catalog, viewer }: Context,
    ) {
      const buyer = buyerOf(viewer, userId);
      const requested = requireOrderItems(items);
      // Both questions at once: neither depends on the other, and both must be answered before writing.
      const [userExists, products] = await Promise.all([
        catalog.userExists(buyer, viewer),
        catalog.products(requested.map((item) => item.productId)),
      ]);
      if (!userExists) throw notFound('User', userId ?? buyer);
      const priced = priceOrder(requested, products);

      // One transaction: the order, its items, its first status change and both events, or nothing.
      const {
        order,
        items: created,
        change,
      } = await db.$transaction(async (tx) => {
        const { items: rows, ...placed } = await tx.order.create({
          data: {
            userId: buyer,
            status: INITIAL_STATUS,
            currency: priced.currency,
            totalAmount: priced.totalAmount,
            items: { create: priced.items },
          },
          include: { items: { orderBy: { id: 'asc' } } },
        });
        await enqueueEvent(tx, 'OrderCreated', {
          orderId: placed.id,
          userId: placed.userId,
          items: rows.map(({ productId, quantity }) => ({ productId, quantity })),
        });
        // Status null: the order has no recorded status until this first change (version 1).
        const first = await changeStatus(tx, { ...placed, status: null }, INITIAL_STATUS, { trigger: 'placement' });
        return { ...first, items: rows };
      });
      loaders.items.prime(order.id, created);
      loaders.statusHistory.prime(order.id, [change]);
      return order;
    },

    async cancelOrder(_: unknown, { id, reason }: { id: string; reason?: string | null }, { db, viewer }: Context) {
      viewer.requireSignedIn();
      const orderId = requireId(id);
      const why = optionalReason(reason);
      return withLockedOrder(db, orderId, async (tx, order) => {
        const cancelled = viewer.requireVisible(order, 'Order', id);
        return (await changeStatus(tx, cancelled, 'CANCELLED', { trigger: 'cancellation', reason: why })).order;
      });
    },

    async updateOrderStatus(_: unknown, { id, status }: { id: string; status: OrderStatus }, { db, viewer }: Context) {
      viewer.requireAdmin();
      const orderId = requireId(id);
      requireAdminStatus(status);
      return withLockedOrder(db, orderId, async (tx, order) => {
        if (!order) throw notFound('Order', id);
        return (await changeStatus(tx, order, status, { trigger: 'admin' })).order;
      });
    },
  },

  Subscription: {
    orderStatusChanged: { subscribe: subscriptionsServedByGateway, resolve: subscriptionsServedByGateway },
  },

  Order: {
    // Batched like any reference (load, then filter): an order the viewer may not see is null.
    __resolveReference: async ({ id }: Pick<Order, 'id'>, { loaders, viewer }: Context) =>
      viewer.visible(await loaders.order.load(id)),
    user: ({ userId }: Order) => ({ __typename: 'User', id: userId }),
    total: ({ totalAmount, currency }: Order) => ({ amount: totalAmount, currency }),
    async items({ id, currency }: Order, _: unknown, { loaders }: Context): Promise<PricedItem[]> {
      return (await loaders.items.load(id)).map((item) => ({ ...item, currency }));
    },
    statusHistory: ({ id }: Order, _: unknown, { loaders }: Context) => loaders.statusHistory.load(id),
  },

  OrderStatusChange: {
    async __resolveReference({ id }: Pick<OrderStatusChange, 'id'>, { loaders, viewer }: Context) {
      const change = await loaders.statusChange.load(id);
      return change && viewer.visible(await loaders.order.load(change.orderId)) ? change : null;
    },
    order: ({ orderId }: OrderStatusChange, _: unknown, { loaders }: Context) => loaders.order.load(orderId),
    from: ({ fromStatus }: OrderStatusChange) => fromStatus,
    to: ({ toStatus }: OrderStatusChange) => toStatus,
    at: ({ createdAt }: OrderStatusChange) => createdAt,
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
      { loaders, viewer }: Context,
    ) {
      const size = requireInt(first ?? 20, 'first', { min: 1, max: MAX_PAGE_SIZE });
      const userId = id.toLowerCase();
      // Someone else's orders read as none, the answer for a user who never ordered: an error or
      // a null would tell that the user has orders. Decided before loading, so nothing is read.
      if (!viewer.canSee(userId)) return [];
      return loaders.userOrders.load({ userId, status: status ?? null, first: size });
    },
  },
};
