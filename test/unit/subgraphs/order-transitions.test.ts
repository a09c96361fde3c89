// How a refused status change reads (subgraphs/order/transitions.ts), without a database: the
// words cancelOrder and updateOrderStatus answer with as a CONFLICT.
import { describeRefusal } from '../../../subgraphs/order/transitions';

describe('describeRefusal', () => {
  it('should name where a non-final order can go instead', () => {
    expect(describeRefusal({ outcome: 'not-allowed', from: 'PENDING', to: 'SHIPPED' })).toBe(
      'An order cannot go from PENDING to SHIPPED; from PENDING it can become CONFIRMED, FAILED, CANCELLED.',
    );
  });

  it('should say a final status is final', () => {
    expect(describeRefusal({ outcome: 'not-allowed', from: 'CANCELLED', to: 'PAID' })).toBe(
      'The order is CANCELLED, which is final; it cannot become PAID.',
    );
  });

  it('should ask to read the order again when another change came first', () => {
    expect(describeRefusal({ outcome: 'changed-meanwhile', from: 'PAID', to: 'SHIPPED' })).toBe(
      'The order changed while this request tried to make it SHIPPED; read it again before retrying.',
    );
  });

  it('should say an order is placed as PENDING only', () => {
    expect(describeRefusal({ outcome: 'not-allowed', from: null, to: 'PAID' })).toBe(
      'An order is placed as PENDING, never as PAID',
    );
  });
});
