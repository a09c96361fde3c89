// What the storefront offers for an order in each status (web/src/lib/order-status.ts), checked
// against the order subgraph's own lifecycle table, so the buttons never offer a move it refuses.
import { ORDER_TRANSITIONS } from '../../../subgraphs/order/status';
import {
  adminNextStatus,
  canCancel,
  canPay,
  milestoneIndex,
  ORDER_STATUSES,
  paymentFailureText,
  shortOrderId,
} from '../../../web/src/lib/order-status';

describe('order actions', () => {
  it('should cover every status of the schema', () => {
    expect([...ORDER_STATUSES].sort()).toEqual(Object.keys(ORDER_TRANSITIONS).sort());
  });

  it('should offer cancelling exactly where cancelOrder may move the order', () => {
    for (const status of ORDER_STATUSES)
      expect([status, canCancel(status)]).toEqual([status, ORDER_TRANSITIONS[status].CANCELLED === 'cancellation']);
  });

  it('should offer paying exactly where a payment moves the order to PAID', () => {
    for (const status of ORDER_STATUSES)
      expect([status, canPay(status)]).toEqual([status, ORDER_TRANSITIONS[status].PAID === 'event']);
  });

  it('should offer an administrator exactly the moves updateOrderStatus makes', () => {
    for (const status of ORDER_STATUSES) {
      const adminMoves = Object.entries(ORDER_TRANSITIONS[status])
        .filter(([, trigger]) => trigger === 'admin')
        .map(([to]) => to);
      expect([status, adminNextStatus(status)]).toEqual([status, adminMoves[0]]);
    }
  });

  it('should place a declined order at the payment step, and final failures off the path', () => {
    expect(milestoneIndex('PAYMENT_FAILED')).toBe(milestoneIndex('CONFIRMED'));
    expect(milestoneIndex('CANCELLED')).toBe(-1);
    expect(milestoneIndex('DELIVERED')).toBe(4);
  });

  it('should say why a payment failed in words', () => {
    expect(paymentFailureText('card_declined')).toBe('The card was declined.');
    expect(paymentFailureText('order_cancelled')).toBe('The payment did not go through (order cancelled).');
    expect(paymentFailureText(null)).toBe('The payment did not go through.');
  });

  it('should shorten an order id to its last eight hex digits', () => {
    expect(shortOrderId('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b')).toBe('#2E3F4A5B');
  });
});
