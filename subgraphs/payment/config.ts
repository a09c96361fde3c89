import { readSubgraphConfig, readSubgraphUrl, type EnvReader, type SubgraphConfig } from '../../shared/config';

export interface PaymentConfig extends SubgraphConfig {
  /** The order subgraph, asked for an order's status and total before it is paid. */
  orderSubgraphUrl: string;
}

export function readPaymentConfig(env: EnvReader): PaymentConfig {
  return { ...readSubgraphConfig(env, 'payment'), orderSubgraphUrl: readSubgraphUrl(env, 'order') };
}
