import { runSubgraph } from '../../shared/server/run-subgraph';
import { orderSubgraph } from './server';

runSubgraph(orderSubgraph);
