// The payment subgraph's one question to the order subgraph (orders.order.graphql): what an order
// costs, and whether it can be paid now. Asked at payment time, so the amount never comes from the
// client.
import type { Registry } from 'prom-client';
import type { Viewer } from '../../shared/auth/identity';
import { conflict } from '../../shared/errors';
import { SubgraphClient, type EntityOf } from '../../shared/http/subgraph-client';
import type { Logger } from '../../shared/logger';
import type { PaymentConfig } from './config';
import { OrderSnapshotsDocument, type OrderSnapshotsQuery, type OrderStatus } from './generated/orders.order';

/** An order as the order subgraph has it now: its total, status and owner. */
export type OrderSnapshot = EntityOf<OrderSnapshotsQuery>;

/** Order statuses in which an order waits for a (new) payment: its stock is reserved. */
export const PAYABLE_ORDER_STATUSES: readonly OrderStatus[] = ['CONFIRMED', 'PAYMENT_FAILED'];

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
  /**
   * The order as the order subgraph sees it now, asked as `viewer`: null when it has no such
   * order or `viewer` may not see it (the order subgraph's rules decide).
   */
  find(id: string, viewer: Viewer): Promise<OrderSnapshot | null>;
}

/** Failures to reach the order subgraph surface as SERVICE_UNAVAILABLE (see SubgraphClient). */
export function createOrderLookup(
  config: Pick<PaymentConfig, 'orderSubgraphUrl' | 'internal' | 'peerCalls'>,
  logger: Logger,
  registry?: Registry,
): OrderLookup {
  const client = new SubgraphClient({
    service: 'order',
    url: config.orderSubgraphUrl,
    caller: 'payment',
    internal: config.internal,
    logger,
    calls: config.peerCalls,
    registry,
  });
  return {
    async find(id, viewer) {
      const [order] = await client.entities(OrderSnapshotsDocument, [id], viewer);
      return order ?? null;
    },
  };
}
