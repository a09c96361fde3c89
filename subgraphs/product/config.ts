import { readSubgraphConfig, type EnvReader, type SubgraphConfig } from '../../shared/config';

/** The product subgraph calls no other service and needs nothing beyond what every subgraph reads. */
export type ProductConfig = SubgraphConfig;

export function readProductConfig(env: EnvReader): ProductConfig {
  return readSubgraphConfig(env, 'product');
}
