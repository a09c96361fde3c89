// Which streams each subgraph's consumer reads: the shared runtime derives them from the event
// types its events.ts handles (shared/server/run-subgraph.ts), without a bus or a database.
import { consumedStreams } from '../../../shared/server/run-subgraph';
import { eventHandlers as orderEventHandlers } from '../../../subgraphs/order/events';
import { eventHandlers as paymentEventHandlers } from '../../../subgraphs/payment/events';
import { eventHandlers as productEventHandlers } from '../../../subgraphs/product/events';

// never: the handlers are only built here, never called, so nothing of their deps is used.
const unused = {} as never;

describe('consumedStreams', () => {
  it('should list each stream once, in the order its event types first appear', () => {
    const handle = async () => {};
    expect(consumedStreams({ StockReserved: handle, PaymentFailed: handle, StockRejected: handle })).toEqual([
      'product',
      'payment',
    ]);
  });

  it('should read no stream for no handlers', () => {
    expect(consumedStreams({})).toEqual([]);
  });

  it("should have order follow product and payment, and product and payment follow order's stream", () => {
    expect(consumedStreams(orderEventHandlers({ db: unused, logger: unused }))).toEqual(['product', 'payment']);
    expect(consumedStreams(productEventHandlers({ db: unused, generations: unused, logger: unused }))).toEqual(['order']);
    expect(consumedStreams(paymentEventHandlers({ db: unused, processor: unused, logger: unused }))).toEqual(['order']);
  });
});
