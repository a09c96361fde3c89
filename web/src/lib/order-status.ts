// How the storefront presents an order's status and what it offers to do next. The lifecycle
// itself is the order subgraph's (its schema documents every transition); this is the client's
// reading of it: labels, tones and which buttons make sense in which status.

export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'FAILED' | 'PAID' | 'PAYMENT_FAILED' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED';

export const ORDER_STATUSES: readonly OrderStatus[] = [
  'PENDING',
  'CONFIRMED',
  'PAYMENT_FAILED',
  'PAID',
  'SHIPPED',
  'DELIVERED',
  'FAILED',
  'CANCELLED',
];

export type Tone = 'neutral' | 'info' | 'success' | 'warning' | 'danger';

export const STATUS_LABELS: Record<OrderStatus, string> = {
  PENDING: 'Reserving stock',
  CONFIRMED: 'Awaiting payment',
  PAYMENT_FAILED: 'Payment failed',
  PAID: 'Paid',
  SHIPPED: 'Shipped',
  DELIVERED: 'Delivered',
  FAILED: 'Could not be accepted',
  CANCELLED: 'Cancelled',
};

export const STATUS_TONES: Record<OrderStatus, Tone> = {
  PENDING: 'neutral',
  CONFIRMED: 'info',
  PAYMENT_FAILED: 'warning',
  PAID: 'success',
  SHIPPED: 'success',
  DELIVERED: 'success',
  FAILED: 'danger',
  CANCELLED: 'neutral',
};

/** The happy path, for the progress bar. */
export const MILESTONES: readonly OrderStatus[] = ['PENDING', 'CONFIRMED', 'PAID', 'SHIPPED', 'DELIVERED'];

/** How far along the happy path an order is: the index of its milestone, -1 off the path. */
export function milestoneIndex(status: OrderStatus): number {
  if (status === 'PAYMENT_FAILED') return MILESTONES.indexOf('CONFIRMED');
  return MILESTONES.indexOf(status);
}

/** payForOrder accepts an order awaiting payment: CONFIRMED, or again after a decline. */
export function canPay(status: OrderStatus): boolean {
  return status === 'CONFIRMED' || status === 'PAYMENT_FAILED';
}

/** cancelOrder accepts these (a paid order is refunded). */
export function canCancel(status: OrderStatus): boolean {
  return status === 'PENDING' || status === 'CONFIRMED' || status === 'PAYMENT_FAILED' || status === 'PAID';
}

/** What an administrator moves an order to next through updateOrderStatus, if anything. */
export function adminNextStatus(status: OrderStatus): 'SHIPPED' | 'DELIVERED' | undefined {
  if (status === 'PAID') return 'SHIPPED';
  if (status === 'SHIPPED') return 'DELIVERED';
  return undefined;
}

/** The fake processor's (and real ones') decline reasons, in words; anything else as it came. */
export function paymentFailureText(reason: string | null | undefined): string {
  switch (reason) {
    case 'card_declined':
      return 'The card was declined.';
    case 'insufficient_funds':
      return 'The card has insufficient funds.';
    case null:
    case undefined:
    case '':
      return 'The payment did not go through.';
    default:
      return `The payment did not go through (${reason.replace(/_/g, ' ')}).`;
  }
}

/** "#3F9A2C1B": a short, readable handle for an order id. */
export function shortOrderId(id: string): string {
  return `#${id.replace(/-/g, '').slice(-8).toUpperCase()}`;
}
