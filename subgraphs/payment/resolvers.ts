import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { Payment, PaymentMethod, PaymentStatus } from '../../prisma/payment/generated/client';
import { conflict, notFound } from '../../shared/errors';
import { DateTime } from '../../shared/graphql/scalars';
import { loadRequired } from '../../shared/loaders';
import { isId, requireId } from '../../shared/validation';
import type { Context } from './context';
import type { Db } from './db';
import { PAYABLE_ORDER_STATUSES, type OrderSnapshot } from './orders';
import { ACTIVE_PAYMENT_STATUSES, canTransition } from './status';

/**
 * Inserts the order's payment unless it already has an active one. The advisory lock, keyed by
 * the order and held until commit, makes concurrent attempts for one order take turns, so the
 * check and the insert cannot interleave.
 */
function insertPayment(db: Db, order: OrderSnapshot, method: PaymentMethod): Promise<Payment> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${order.id}, 0))`;
    const active = await tx.payment.findFirst({
      where: { orderId: order.id, status: { in: [...ACTIVE_PAYMENT_STATUSES] } },
      select: { id: true, status: true },
    });
    if (active) {
      throw conflict(`Order ${JSON.stringify(order.id)} already has a ${active.status} payment.`, {
        paymentId: active.id,
        paymentStatus: active.status,
      });
    }
    return tx.payment.create({
      data: { orderId: order.id, amount: order.total.amount, currency: order.total.currency, method },
    });
  });
}

export const resolvers: GraphQLResolverMap<Context> = {
  DateTime,

  Query: {
    payment: (_: unknown, { id }: { id: string }, { loaders }: Context) => loadRequired(loaders.payment, 'Payment', id),
  },

  Mutation: {
    async createPayment(
      _: unknown,
      { orderId, method }: { orderId: string; method: PaymentMethod },
      { db, orders }: Context,
    ) {
      const id = requireId(orderId, 'orderId');
      // Asked before the transaction: no connection or lock is held while another service answers.
      const order = await orders.find(id);
      if (!order) throw notFound('Order', orderId);
      if (!PAYABLE_ORDER_STATUSES.includes(order.status)) {
        throw conflict(`Order ${JSON.stringify(orderId)} cannot be paid while it is ${order.status}.`, {
          orderStatus: order.status,
        });
      }
      return insertPayment(db, { ...order, id }, method);
    },

    async updatePaymentStatus(_: unknown, { id, status }: { id: string; status: PaymentStatus }, { db }: Context) {
      const paymentId = requireId(id);
      const current = await db.payment.findUnique({ where: { id: paymentId }, select: { status: true } });
      if (!current) throw notFound('Payment', id);
      if (!canTransition(current.status, status)) {
        throw conflict(`A payment in status ${current.status} cannot become ${status}.`, { from: current.status, to: status });
      }
      // Guarded by the status just read: if another request moved the payment meanwhile,
      // nothing is written and the client learns the status it collided with.
      const { count } = await db.payment.updateMany({ where: { id: paymentId, status: current.status }, data: { status } });
      if (count === 0) {
        const { status: now } = await db.payment.findUniqueOrThrow({ where: { id: paymentId }, select: { status: true } });
        throw conflict(`The payment became ${now} while this request was changing it; nothing was changed.`, {
          from: now,
          to: status,
        });
      }
      return db.payment.findUniqueOrThrow({ where: { id: paymentId } });
    },
  },

  Payment: {
    __resolveReference: ({ id }: Pick<Payment, 'id'>, { loaders }: Context) => loaders.payment.load(id),
    order: ({ orderId }: Payment) => ({ __typename: 'Order', id: orderId }),
    amount: ({ amount, currency }: Payment) => ({ amount, currency }),
  },

  Order: {
    // The order subgraph owns orders; here an order is just the id its payments point at.
    __resolveReference: ({ id }: { id: string }) => (isId(id) ? { id: id.toLowerCase() } : null),
    payment: async ({ id }: { id: string }, _: unknown, { loaders }: Context) =>
      (await loaders.paymentsByOrder.load(id))[0] ?? null,
    payments: ({ id }: { id: string }, _: unknown, { loaders }: Context) => loaders.paymentsByOrder.load(id),
  },
};
