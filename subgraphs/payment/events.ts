// How the payment subgraph follows the order stream: only cancellations concern it (see
// cancellation.ts). An event that can never apply is logged and acknowledged, since retrying
// cannot change it; database and processor failures throw, so the event is retried.
import type { EventHandlers } from '../../shared/events/consumer';
import { isId } from '../../shared/validation';
import { settleCancelledOrder, type CancellationDeps } from './cancellation';

export function eventHandlers(deps: CancellationDeps): EventHandlers {
  return {
    OrderStatusChanged: async ({ id, payload }) => {
      if (payload.to !== 'CANCELLED') return;
      if (!isId(payload.orderId)) {
        deps.logger.error({ eventId: id, orderId: payload.orderId }, 'OrderStatusChanged with a malformed orderId ignored');
        return;
      }
      await settleCancelledOrder(deps, id, payload.orderId.toLowerCase());
    },
  };
}
