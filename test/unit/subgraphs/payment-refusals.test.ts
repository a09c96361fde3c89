// How a refused payment change reads and what a mutation answers with (subgraphs/payment/settlement.ts),
// without a database; the cancellation handler throws the same words as a plain error, to be retried.
import { describePaymentRefusal, requireChanged } from '../../../subgraphs/payment/settlement';
import { thrown } from '../../support/thrown';

describe('payment refusals', () => {
  it('should answer a move the state machine refuses with CONFLICT, from and to', () => {
    const refusal = { outcome: 'not-allowed', from: 'REFUNDED', to: 'CAPTURED' } as const;
    expect(describePaymentRefusal(refusal)).toBe('A payment in status REFUNDED cannot become CAPTURED.');
    expect(thrown(() => requireChanged(refusal))).toEqual({
      message: 'A payment in status REFUNDED cannot become CAPTURED.',
      extensions: { code: 'CONFLICT', from: 'REFUNDED', to: 'CAPTURED' },
    });
  });

  it('should answer a change made meanwhile with CONFLICT from the status it found', () => {
    const refusal = { outcome: 'changed-meanwhile', now: 'FAILED', to: 'CAPTURED' } as const;
    expect(thrown(() => requireChanged(refusal))).toEqual({
      message: 'The payment became FAILED while this request was changing it; nothing was changed.',
      extensions: { code: 'CONFLICT', from: 'FAILED', to: 'CAPTURED' },
    });
  });

  it('should answer a processor that did not answer with SERVICE_UNAVAILABLE, safe to repeat', () => {
    const refusal = { outcome: 'processor-unavailable' } as const;
    const error = thrown(() => requireChanged(refusal));
    expect(error.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', service: 'payment-processor' });
    expect(describePaymentRefusal(refusal)).toBe(error.message);
  });
});
