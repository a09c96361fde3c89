import { conflict, notFound } from '../../shared/errors';
import type { DefaultFieldMismatches, NoDefaultFieldMismatches } from '../../shared/graphql/default-fields';
import { DateTime } from '../../shared/graphql/scalars';
import { isId, requireId } from '../../shared/validation';
import { openPayment, payForOrder } from './attempts';
import type { Resolvers } from './generated/graphql';
import { changePaymentStatus, requireChanged, withOrderLock } from './settlement';

/** What an administrator's FAILED records as the reason. */
const FAILED_BY_ADMIN = 'marked failed by an administrator';

export const resolvers = {
  DateTime,

  Query: {
    async payment(_, { id }, { loaders, viewer }) {
      viewer.requireSignedIn();
      return viewer.requireVisible(await loaders.payment.load(requireId(id)), 'Payment', id);
    },
  },

  Mutation: {
    // The order must be one the caller may see: openPayment asks the order subgraph as the caller.
    createPayment(_, { orderId, method }, { db, orders, viewer }) {
      viewer.requireSignedIn();
      return openPayment({ db, orders, viewer }, requireId(orderId, 'orderId'), method);
    },

    payForOrder: (_, args, { db, orders, processor, logger, viewer }) =>
      payForOrder({ db, orders, processor, logger, viewer }, args),

    async updatePaymentStatus(_, { id, status }, context) {
      context.viewer.requireAdmin();
      const paymentId = requireId(id);
      const found = await context.db.payment.findUnique({ where: { id: paymentId }, select: { orderId: true } });
      if (!found) throw notFound('Payment', id);
      return withOrderLock(context.db, found.orderId, async (tx) => {
        const payment = await tx.payment.findUniqueOrThrow({ where: { id: paymentId } });
        if (payment.idempotencyKey && payment.status === 'PENDING') {
          throw conflict(
            'This payment is being charged by the payment processor, which settles it; retry payForOrder with its idempotencyKey.',
            {
              from: payment.status,
              to: status,
            },
          );
        }
        return requireChanged(await changePaymentStatus(tx, context, payment, status, { reason: FAILED_BY_ADMIN }));
      });
    },
  },

  Payment: {
    // Batched like any reference (load, then filter): a payment the viewer may not see is null.
    __resolveReference: async ({ id }, { loaders, viewer }) => viewer.visible(await loaders.payment.load(id)),
    order: ({ orderId }) => ({ __typename: 'Order', id: orderId }),
    amount: ({ amount, currency }) => ({ amount, currency }),
  },

  Order: {
    // The order subgraph owns orders, and decides who sees one; here an order is just the id its
    // payments point at, and only the payments are filtered, each by its own owner.
    __resolveReference: ({ id }) => (isId(id) ? { id: id.toLowerCase() } : null),
    payment: async ({ id }, _, { loaders, viewer }) =>
      (await loaders.paymentsByOrder.load(id)).find((payment) => viewer.canSee(payment.userId)) ?? null,
    payments: async ({ id }, _, { loaders, viewer }) =>
      (await loaders.paymentsByOrder.load(id)).filter((payment) => viewer.canSee(payment.userId)),
  },
} satisfies Resolvers;

// Fields without a resolver are read off their model: they must have the SDL's types too.
export type DefaultFieldsChecked = NoDefaultFieldMismatches<DefaultFieldMismatches<Resolvers, typeof resolvers>>;
