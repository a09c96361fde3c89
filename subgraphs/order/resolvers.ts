import { badUserInput, conflict, notFound } from '../../shared/errors';
import type { DefaultFieldMismatches, NoDefaultFieldMismatches } from '../../shared/graphql/default-fields';
import { DateTime } from '../../shared/graphql/scalars';
import { loadRequired } from '../../shared/loaders';
import { keysetPage, MAX_PAGE_SIZE, readPage, toConnection } from '../../shared/pagination';
import { requireId, requireInt, requireText } from '../../shared/validation';
import type { Order, OrderStatus, OrderStatusChange, Prisma } from '../../prisma/order/generated/client';
import { buyerOf, listedOwner } from './access';
import type { Context } from './context';
import type { Resolvers } from './generated/graphql';
import { requireOrderItems } from './placement';
import { placeOrder } from './placing';
import { triggerInto } from './status';
import { changeStatus, describeRefusal, withLockedOrder, type TransitionOutcome } from './transitions';

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

/** The order a root field names: the caller's own, or any for administrators; NOT_FOUND otherwise. */
async function visibleOrder(id: string, { loaders, viewer }: Context, field = 'id'): Promise<Order> {
  viewer.requireSignedIn();
  return viewer.requireVisible(await loaders.order.load(requireId(id, field)), 'Order', id);
}

/**
 * The order a status change left, or its refusal as a CONFLICT (extensions `from` and `to`),
 * thrown inside the change's transaction so that nothing of it is kept.
 */
function changed(result: TransitionOutcome): Order {
  if (result.outcome !== 'changed') throw conflict(describeRefusal(result), { from: result.from, to: result.to });
  return result.order;
}

export const resolvers = {
  DateTime,

  Query: {
    order: (_, { id }, context) => visibleOrder(id, context),
    async orderStatusChange(_, { id }, { loaders, viewer }) {
      viewer.requireSignedIn();
      const change = await loadRequired(loaders.statusChange, 'OrderStatusChange', id);
      // Another customer's change reads as one that does not exist: the same error, word for word.
      if (!viewer.visible(await loaders.order.load(change.orderId))) throw notFound('OrderStatusChange', id);
      return change;
    },
    async orders(_, args, { db, viewer }) {
      const owner = listedOwner(viewer, args.filter?.userId);
      const page = readPage(args);
      // totalCount counts with this same condition, so it is scoped to the caller's orders too.
      const where = orderWhere(args.filter?.status, owner);
      // Newest first: ids are UUIDv7.
      const rows = await db.order.findMany(keysetPage(page, where, 'desc'));
      return { ...toConnection(rows, page), where };
    },
  },

  OrderConnection: {
    totalCount: ({ where }, _, { db }) => db.order.count({ where }),
  },

  Mutation: {
    async placeOrder(_, { userId, items }, { db, loaders, catalog, viewer }) {
      const buyer = buyerOf(viewer, userId);
      const placed = await placeOrder({ db, catalog }, { buyer, viewer, items: requireOrderItems(items) });
      if (placed.outcome === 'unknown-buyer') throw notFound('User', userId ?? buyer);
      loaders.items.prime(placed.order.id, placed.items);
      loaders.statusHistory.prime(placed.order.id, [placed.change]);
      return placed.order;
    },

    async cancelOrder(_, { id, reason }, { db, viewer }) {
      viewer.requireSignedIn();
      const orderId = requireId(id);
      const why = optionalReason(reason);
      return withLockedOrder(db, orderId, async (tx, order) => {
        const cancelled = viewer.requireVisible(order, 'Order', id);
        return changed(await changeStatus(tx, cancelled, 'CANCELLED', { trigger: 'cancellation', reason: why }));
      });
    },

    async updateOrderStatus(_, { id, status }, { db, viewer }) {
      viewer.requireAdmin();
      const orderId = requireId(id);
      requireAdminStatus(status);
      return withLockedOrder(db, orderId, async (tx, order) => {
        if (!order) throw notFound('Order', id);
        return changed(await changeStatus(tx, order, status, { trigger: 'admin' }));
      });
    },
  },

  // Served over graphql-ws on this subgraph's own /graphql, to routers that pass the subscription
  // through (shared/server/ws-subscriptions.ts): each change is executed afresh, so `order` is
  // the order as it is then, and a router completes it from the other subgraphs. (The gateway
  // serves this field on its own endpoint, from the same stream.)
  Subscription: {
    orderStatusChanged: {
      async subscribe(_, { orderId }, context) {
        const { viewer, statusChanges } = context;
        viewer.requireSignedIn();
        // Already in its one spelling (shared/graphql/normalize-ids.ts); a malformed one fails below.
        const watched = orderId ?? undefined;
        // Registered before the order is looked up, so a change made meanwhile is kept, not missed.
        // A customer hears of their own orders only, an administrator of every order.
        const changes = statusChanges.subscribe(
          (change) => viewer.canSee(change.userId) && (watched === undefined || change.orderId === watched),
        );
        if (watched === undefined) return changes;
        try {
          // Someone else's order is refused as `order(id:)` refuses it: NOT_FOUND, word for word.
          await visibleOrder(watched, context, 'orderId');
        } catch (error) {
          await changes.return?.();
          throw error;
        }
        return changes;
      },
      // The source yields the history rows themselves; their fields resolve as everywhere else.
      resolve: (change: OrderStatusChange) => change,
    },
  },

  Order: {
    // Batched like any reference (load, then filter): an order the viewer may not see is null.
    __resolveReference: async ({ id }, { loaders, viewer }) => viewer.visible(await loaders.order.load(id)),
    user: ({ userId }) => ({ __typename: 'User', id: userId }),
    total: ({ totalAmount, currency }) => ({ amount: totalAmount, currency }),
    async items({ id, currency }, _, { loaders }) {
      return (await loaders.items.load(id)).map((item) => ({ ...item, currency }));
    },
    statusHistory: ({ id }, _, { loaders }) => loaders.statusHistory.load(id),
  },

  OrderStatusChange: {
    async __resolveReference({ id }, { loaders, viewer }) {
      const change = await loaders.statusChange.load(id);
      return change && viewer.visible(await loaders.order.load(change.orderId)) ? change : null;
    },
    // Never missing: a change is deleted with its order (foreign key, cascade).
    order: ({ orderId }, _, { loaders }) => loadRequired(loaders.order, 'Order', orderId),
    from: ({ fromStatus }) => fromStatus,
    to: ({ toStatus }) => toStatus,
    at: ({ createdAt }) => createdAt,
  },

  OrderItem: {
    product: ({ productId }) => ({ __typename: 'Product', id: productId }),
    unitPrice: ({ unitPriceAmount, currency }) => ({ amount: unitPriceAmount, currency }),
    lineTotal: ({ quantity, unitPriceAmount, currency }) => ({ amount: quantity * unitPriceAmount, currency }),
  },

  // No __resolveReference: a representation ({ id }) is all this subgraph knows of a user, and
  // the user subgraph decides whether that user exists.
  User: {
    orders({ id }, { status, first }, { loaders, viewer }) {
      // `first: null` sent explicitly is null here: GraphQL applies the default only when it is omitted.
      const size = requireInt(first ?? 20, 'first', { min: 1, max: MAX_PAGE_SIZE });
      const userId = id.toLowerCase();
      // Someone else's orders read as none, the answer for a user who never ordered: an error or
      // a null would tell that the user has orders. Decided before loading, so nothing is read.
      if (!viewer.canSee(userId)) return [];
      return loaders.userOrders.load({ userId, status: status ?? null, first: size });
    },
  },
} satisfies Resolvers;

// Fields without a resolver are read off their model: they must have the SDL's types too.
export type DefaultFieldsChecked = NoDefaultFieldMismatches<DefaultFieldMismatches<Resolvers, typeof resolvers>>;
