// The payment status table (subgraphs/payment/status.ts) beyond its allowed transitions, which
// test/integration/subgraphs/payment.test.ts lists: final statuses, and which statuses hold an order's money.
import type { PaymentStatus } from '../../../prisma/payment/generated/enums';
import { ACTIVE_PAYMENT_STATUSES, canTransition, PAYMENT_TRANSITIONS } from '../../../subgraphs/payment/status';

const STATUSES = Object.keys(PAYMENT_TRANSITIONS) as PaymentStatus[];
const isFinal = (status: PaymentStatus) => STATUSES.every((to) => !canTransition(status, to));

describe('payment status machine', () => {
  it('should make FAILED and REFUNDED final, and no other status', () => {
    expect(STATUSES.filter(isFinal).sort()).toEqual(['FAILED', 'REFUNDED']);
  });

  it('should never allow staying in the same status or going back to PENDING', () => {
    for (const status of STATUSES) {
      expect([status, canTransition(status, status)]).toEqual([status, false]);
      expect([status, canTransition(status, 'PENDING')]).toEqual([status, false]);
    }
  });

  it('should refund only a captured payment', () => {
    expect(STATUSES.filter((from) => canTransition(from, 'REFUNDED'))).toEqual(['CAPTURED']);
  });

  it('should count as active exactly the statuses that are not final', () => {
    expect([...ACTIVE_PAYMENT_STATUSES].sort()).toEqual(STATUSES.filter((status) => !isFinal(status)).sort());
    expect([...ACTIVE_PAYMENT_STATUSES].sort()).toEqual(['AUTHORIZED', 'CAPTURED', 'PENDING']);
  });
});
