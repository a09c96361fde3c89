// First: tracing hooks http and pg before anything loads them.
import '../shared/telemetry/register';
import { EnvReader } from '../shared/config';
import { runService } from '../shared/server/run';
import { startGateway } from './start';

runService('gateway', () => startGateway(new EnvReader()));
