// How the product subgraph reacts to the order stream: a placed order reserves its stock, a
// cancelled one gives it back. An event that can never apply (a malformed payload) is logged and
// acknowledged, since retrying cannot change it; database failures throw, so the event stays
// pending and is retried.
import type { EntityGenerations } from '../../shared/cache/entity-generations';
import type { EventHandlers } from '../../shared/events/consumer';
import type { OrderLine } from '../../shared/events/contracts';
import type { Logger } from '../../shared/logger';
import { isId } from '../../shared/validation';
import type { Db } from './db';
import { stockChanged } from './generations';
import { releaseStock, reserveStock } from './reservations';

export function eventHandlers({
  db,
  generations,
  logger,
}: {
  db: Db;
  generations: EntityGenerations;
  logger: Logger;
}): EventHandlers {
  return {
    async OrderCreated(event) {
      const { orderId, items } = event.payload;
      const lines = readOrderLines(items);
      if (!isId(orderId) || !lines) {
        logger.error({ eventId: event.id, payload: event.payload }, 'OrderCreated with a malformed payload ignored');
        return;
      }
      const result = await reserveStock(db, event.id, orderId.toLowerCase(), lines);
      if (result.outcome === 'reserved') await stockChanged(generations, result.items);
      logger.info({ eventId: event.id, orderId, ...result }, 'OrderCreated handled');
    },

    async OrderStatusChanged(event) {
      const { orderId, to } = event.payload;
      // Only a cancellation concerns stock; every other change is acknowledged untouched.
      if (to !== 'CANCELLED') return;
      if (!isId(orderId)) {
        logger.error({ eventId: event.id, payload: event.payload }, 'OrderStatusChanged with a malformed payload ignored');
        return;
      }
      const result = await releaseStock(db, event.id, orderId.toLowerCase());
      if (result.outcome === 'released') await stockChanged(generations, result.items);
      logger.info({ eventId: event.id, orderId, ...result }, 'order cancellation handled');
    },
  };
}

/**
 * The order's lines with lower-cased ids and each product once (quantities of repeated products
 * added), or null when they are not a non-empty list of products with positive quantities.
 */
function readOrderLines(items: unknown): OrderLine[] | null {
  if (!Array.isArray(items) || !items.length) return null;
  const quantities = new Map<string, number>();
  for (const item of items as Partial<OrderLine>[]) {
    const { productId, quantity } = item ?? {};
    if (typeof productId !== 'string' || !isId(productId)) return null;
    if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < 1) return null;
    const id = productId.toLowerCase();
    quantities.set(id, (quantities.get(id) ?? 0) + quantity);
  }
  return [...quantities].map(([productId, quantity]) => ({ productId, quantity }));
}
