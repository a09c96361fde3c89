import { EnvReader } from '../shared/config';
import { runService } from '../shared/server/run';
import { startGateway } from './start';

runService('gateway', () => startGateway(new EnvReader()));
