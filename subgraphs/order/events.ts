// How the order subgraph follows the other services: stock reserved or rejected (product), payment
// captured or failed (payment) each move an order on. Each event is applied in one transaction
// together with its claim, so a redelivered event changes nothing the second time.
import type { OrderStatus } from '../../prisma/order/generated/client';
import type { EventHandlers } from '../../shared/events/consumer';
import type { EventEnvelope } from '../../shared/events/contracts';
import { claimEvent } from '../../shared/events/outbox';
import type { Logger } from '../../shared/logger';
import { isId } from '../../shared/validation';
import type { Db } from './db';
import { canTransition } from './status';
import { changeStatus, describeRefusal, withLockedOrder } from './transitions';

/** The name this service records handled events under (processed_events). */
const CONSUMER = 'order';

type OrderEventType = 'StockReserved' | 'StockRejected' | 'PaymentCaptured' | 'PaymentFailed';

// StockReleased and PaymentRefunded need nothing here: they follow a cancellation this service
// already recorded. Events without a handler are acknowledged and skipped.
export function eventHandlers({ db, logger }: { db: Db; logger: Logger }): EventHandlers {
  /**
   * Moves the event's order to `to` when the lifecycle allows it from where the order is now.
   * Otherwise the event came too late (e.g. the order was cancelled first, and the other service
   * compensates on its side) or can never apply: it is logged and acknowledged, never retried.
   */
  async function advance(event: EventEnvelope<OrderEventType>, to: OrderStatus, reason: string | null = null): Promise<void> {
    const { orderId } = event.payload;
    const about = { eventId: event.id, type: event.type, orderId };
    if (typeof orderId !== 'string' || !isId(orderId)) {
      logger.warn(about, 'event names no valid order; ignored');
      return;
    }
    await withLockedOrder(db, orderId, async (tx, order) => {
      if (!(await claimEvent(tx, CONSUMER, event.id))) return;
      if (!order) {
        logger.warn(about, 'event for an order that does not exist; ignored');
        return;
      }
      if (!canTransition(order.status, to, 'event')) {
        logger.info({ ...about, status: order.status, to }, `event does not apply to a ${order.status} order; ignored`);
        return;
      }
      // A payload without a reason still records the change, with none.
      const result = await changeStatus(tx, order, to, { trigger: 'event', reason: reason ?? null });
      // Checked above under the order's lock, so not expected; thrown, the claim is rolled back and the event retried.
      if (result.outcome !== 'changed') throw new Error(describeRefusal(result));
    });
  }

  return {
    StockReserved: (event) => advance(event, 'CONFIRMED'),
    StockRejected: (event) => advance(event, 'FAILED', event.payload.reason),
    PaymentCaptured: (event) => advance(event, 'PAID'),
    PaymentFailed: (event) => advance(event, 'PAYMENT_FAILED', event.payload.reason),
  };
}
