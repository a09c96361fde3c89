// First: tracing hooks http and pg before anything loads them.
import '../../shared/telemetry/register';
import { runSubgraph } from '../../shared/server/run-subgraph';
import { paymentSubgraph } from './server';

runSubgraph(paymentSubgraph);
