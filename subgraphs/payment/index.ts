import { runSubgraph } from '../../shared/server/run-subgraph';
import { paymentSubgraph } from './server';

runSubgraph(paymentSubgraph);
