// The payment subgraph's one question to the order subgraph: what an order costs, and whether it
// can be paid now. Asked at payment time, so the amount never comes from the client.
import { conflict } from '../../shared/errors';
import { SubgraphClient } from '../../shared/http/subgraph-client';
import type { Logger } from '../../shared/logger';
import type { Money } from '../../shared/money';

export interface OrderSnapshot {
  id: string;
  status: string;
  total: Money;
}

/** Order statuses in which an order waits for a (new) payment: its stock is reserved. */
export const PAYABLE_ORDER_STATUSES: readonly string[] = ['CONFIRMED', 'PAYMENT_FAILED'];

/** CONFLICT (extension `orderStatus`) unless the order waits for a payment. */
export function requirePayable(order: OrderSnapshot): void {
  if (PAYABLE_ORDER_STATUSES.includes(order.status)) return;
  const message =
    order.status === 'PENDING'
      ? `Order ${JSON.stringify(order.id)} cannot be paid yet: its stock is still being reserved, retry shortly.`
      : `Order ${JSON.stringify(order.id)} cannot be paid while it is ${order.status}.`;
  throw conflict(message, { orderStatus: order.status });
}

export interface OrderLookup {
  /** The order as the order subgraph sees it now; null when it has no such order. */
  find(id: string): Promise<OrderSnapshot | null>;
}

/** Failures to reach the order subgraph surface as SERVICE_UNAVAILABLE (see SubgraphClient). */
export function createOrderLookup(url: string, logger: Logger): OrderLookup {
  const client = new SubgraphClient({ service: 'order', url, logger });
  return {
    async find(id) {
      const [order] = await client.entities<OrderSnapshot>('Order', [id], 'id status total { amount currency }');
      return order ?? null;
    },
  };
}
