// The events services exchange: one place that names every event, its payload and the stream it
// travels on. Producers and consumers import these types; nothing else defines an event.

/** Order statuses as events carry them (the order subgraph's enum, as strings). */
export type OrderStatusName =
  'PENDING' | 'CONFIRMED' | 'FAILED' | 'PAID' | 'PAYMENT_FAILED' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED';

export interface OrderLine {
  productId: string;
  quantity: number;
}

export interface EventPayloads {
  /** An order was placed (status PENDING): the product subgraph reserves its stock. */
  OrderCreated: { orderId: string; userId: string; items: OrderLine[] };
  /** Every status change of an order, in order per order (`version` counts them from 1). */
  OrderStatusChanged: {
    orderId: string;
    userId: string;
    /** The id of the change in the order subgraph's status history. */
    changeId: string;
    from: OrderStatusName | null;
    to: OrderStatusName;
    at: string;
    reason: string | null;
    version: number;
  };
  /** Every line of the order was reserved, all or nothing. */
  StockReserved: { orderId: string; items: OrderLine[] };
  /** Nothing was reserved: at least one product was short. */
  StockRejected: {
    orderId: string;
    reason: string;
    shortages: { productId: string; requested: number; available: number }[];
  };
  /** A reservation was given back (the order was cancelled). */
  StockReleased: { orderId: string; items: OrderLine[] };
  /**
   * These products changed while their entity generations could not be bumped (Redis
   * unreachable): the product subgraph's relay bumps them before it publishes this event or any
   * written after it. Bookkeeping of the gateway's entity cache, not a record of every change:
   * no service consumes it.
   */
  ProductGenerationsDeferred: { productIds: string[] };
  PaymentCaptured: { paymentId: string; orderId: string; amount: number; currency: string };
  PaymentFailed: { paymentId: string; orderId: string; reason: string };
  PaymentRefunded: { paymentId: string; orderId: string; amount: number; currency: string };
}

export type EventType = keyof EventPayloads;

/** The stream (one per producing service) each event type travels on. */
export const EVENT_STREAMS = {
  OrderCreated: 'order',
  OrderStatusChanged: 'order',
  StockReserved: 'product',
  StockRejected: 'product',
  StockReleased: 'product',
  ProductGenerationsDeferred: 'product',
  PaymentCaptured: 'payment',
  PaymentFailed: 'payment',
  PaymentRefunded: 'payment',
} as const satisfies Record<EventType, string>;

export type StreamName = (typeof EVENT_STREAMS)[EventType];

/** What travels on a stream: the payload with the envelope consumers deduplicate by. */
export interface EventEnvelope<T extends EventType = EventType> {
  /** UUIDv7; the same id every time the event is (re)delivered. */
  id: string;
  type: T;
  occurredAt: string;
  payload: EventPayloads[T];
}

/** Narrows an envelope of unknown type. */
export function isEvent<T extends EventType>(event: EventEnvelope, type: T): event is EventEnvelope<T> {
  return event.type === type;
}
