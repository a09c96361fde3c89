import { readSubgraphConfig, readSubgraphUrl, type EnvReader, type SubgraphConfig } from '../../shared/config';

export interface OrderConfig extends SubgraphConfig {
  /** Asked for the name and current price of the products being ordered. */
  productSubgraphUrl: string;
  /** Asked whether the user placing an order exists. */
  userSubgraphUrl: string;
}

export function readOrderConfig(env: EnvReader): OrderConfig {
  return {
    ...readSubgraphConfig(env, 'order'),
    productSubgraphUrl: readSubgraphUrl(env, 'product'),
    userSubgraphUrl: readSubgraphUrl(env, 'user'),
  };
}
