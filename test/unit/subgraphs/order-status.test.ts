// The order status table (subgraphs/order/status.ts) on its own: every pair of statuses under
// every trigger. That each status has one trigger into it is checked in test/integration/subgraphs/order.test.ts.
import type { OrderStatus } from '../../../prisma/order/generated/enums';
import {
  canTransition,
  INITIAL_STATUS,
  isFinal,
  nextStatuses,
  ORDER_TRANSITIONS,
  triggerInto,
  type TransitionTrigger,
} from '../../../subgraphs/order/status';

const STATUSES = Object.keys(ORDER_TRANSITIONS) as OrderStatus[];
const TRIGGERS: TransitionTrigger[] = ['placement', 'event', 'cancellation', 'admin'];

/** The lifecycle as documented, written out by hand: `from>to` with who may make the move. */
const ALLOWED = [
  'PENDING>CONFIRMED by event',
  'PENDING>FAILED by event',
  'PENDING>CANCELLED by cancellation',
  'CONFIRMED>PAID by event',
  'CONFIRMED>PAYMENT_FAILED by event',
  'CONFIRMED>CANCELLED by cancellation',
  'PAYMENT_FAILED>PAID by event',
  'PAYMENT_FAILED>CANCELLED by cancellation',
  'PAID>SHIPPED by admin',
  'PAID>CANCELLED by cancellation',
  'SHIPPED>DELIVERED by admin',
];

describe('order status machine', () => {
  it('should know all eight statuses', () => {
    expect([...STATUSES].sort()).toEqual(
      ['CANCELLED', 'CONFIRMED', 'DELIVERED', 'FAILED', 'PAID', 'PAYMENT_FAILED', 'PENDING', 'SHIPPED'].sort(),
    );
  });

  it('should allow exactly the documented transitions, each by its one trigger, and refuse every other', () => {
    const allowed = STATUSES.flatMap((from) =>
      STATUSES.flatMap((to) =>
        TRIGGERS.filter((trigger) => canTransition(from, to, trigger)).map((t) => `${from}>${to} by ${t}`),
      ),
    );
    expect(allowed.sort()).toEqual([...ALLOWED].sort());
  });

  it('should never allow staying in the same status', () => {
    for (const status of STATUSES) {
      for (const trigger of TRIGGERS)
        expect([status, trigger, canTransition(status, status, trigger)]).toEqual([status, trigger, false]);
    }
  });

  it('should place an order only into PENDING, and only by placement', () => {
    expect(INITIAL_STATUS).toBe('PENDING');
    const placements = STATUSES.flatMap((to) =>
      TRIGGERS.filter((trigger) => canTransition(null, to, trigger)).map((trigger) => `${to} by ${trigger}`),
    );
    expect(placements).toEqual(['PENDING by placement']);
  });

  it('should never move an order back into PENDING', () => {
    for (const from of STATUSES) expect(nextStatuses(from)).not.toContain('PENDING');
  });

  it('should list the next statuses of each status', () => {
    expect(nextStatuses('PENDING').sort()).toEqual(['CANCELLED', 'CONFIRMED', 'FAILED']);
    expect(nextStatuses('CONFIRMED').sort()).toEqual(['CANCELLED', 'PAID', 'PAYMENT_FAILED']);
    expect(nextStatuses('PAYMENT_FAILED').sort()).toEqual(['CANCELLED', 'PAID']);
    expect(nextStatuses('PAID').sort()).toEqual(['CANCELLED', 'SHIPPED']);
    expect(nextStatuses('SHIPPED')).toEqual(['DELIVERED']);
  });

  it('should make DELIVERED, FAILED and CANCELLED final, and no other status', () => {
    expect(STATUSES.filter(isFinal).sort()).toEqual(['CANCELLED', 'DELIVERED', 'FAILED']);
    for (const status of ['DELIVERED', 'FAILED', 'CANCELLED'] as const) expect(nextStatuses(status)).toEqual([]);
  });

  it('should let an order be cancelled until it ships, and not after', () => {
    const cancellable = STATUSES.filter((from) => canTransition(from, 'CANCELLED', 'cancellation'));
    expect(cancellable.sort()).toEqual(['CONFIRMED', 'PAID', 'PAYMENT_FAILED', 'PENDING']);
    expect(canTransition('SHIPPED', 'CANCELLED', 'cancellation')).toBe(false);
  });

  it('should name the trigger into each status, and refuse a status no transition leads to', () => {
    expect(Object.fromEntries(STATUSES.map((status) => [status, triggerInto(status)]))).toEqual({
      PENDING: 'placement',
      CONFIRMED: 'event',
      FAILED: 'event',
      PAID: 'event',
      PAYMENT_FAILED: 'event',
      SHIPPED: 'admin',
      DELIVERED: 'admin',
      CANCELLED: 'cancellation',
    });
    expect(() => triggerInto('LOST' as OrderStatus)).toThrow('No transition leads to LOST');
  });
});
