import { runSubgraph } from '../../shared/server/run-subgraph';
import { userSubgraph } from './server';

runSubgraph(userSubgraph);
