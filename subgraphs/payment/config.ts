import { readSubgraphConfig, readSubgraphUrl, type EnvReader, type SubgraphConfig } from '../../shared/config';
import type { PaymentProcessorKind } from './processor';

export interface PaymentConfig extends SubgraphConfig {
  /** The order subgraph, asked for an order's status and total before it is paid. */
  orderSubgraphUrl: string;
  /** Who charges cards: PAYMENT_PROCESSOR (only "fake" exists so far). */
  paymentProcessor: PaymentProcessorKind;
}

export function readPaymentConfig(env: EnvReader): PaymentConfig {
  return {
    ...readSubgraphConfig(env, 'payment'),
    orderSubgraphUrl: readSubgraphUrl(env, 'order'),
    paymentProcessor: env.oneOf('PAYMENT_PROCESSOR'),
  };
}
