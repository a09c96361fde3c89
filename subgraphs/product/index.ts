import { runSubgraph } from '../../shared/server/run-subgraph';
import { productSubgraph } from './server';

runSubgraph(productSubgraph);
