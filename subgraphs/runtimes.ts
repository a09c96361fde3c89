// The four subgraphs by name, for whatever starts several in one process (the dev launcher).
import type { EnvReader } from '../shared/config';
import type { RunningService } from '../shared/server/run';
import { startSubgraph } from '../shared/server/run-subgraph';
import type { SubgraphName } from '../shared/services';
import { orderSubgraph } from './order/server';
import { paymentSubgraph } from './payment/server';
import { productSubgraph } from './product/server';
import { userSubgraph } from './user/server';

type Start = (env: EnvReader, options?: { migrate?: boolean }) => Promise<RunningService>;

export const startSubgraphNamed: Record<SubgraphName, Start> = {
  user: (env, options) => startSubgraph(userSubgraph, env, options),
  product: (env, options) => startSubgraph(productSubgraph, env, options),
  order: (env, options) => startSubgraph(orderSubgraph, env, options),
  payment: (env, options) => startSubgraph(paymentSubgraph, env, options),
};
