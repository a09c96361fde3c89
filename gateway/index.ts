import { EnvReader } from '../shared/config';
import { createLogger } from '../shared/logger';
import { createMetrics } from '../shared/metrics';
import { runService } from '../shared/server/run';
import { readGatewayConfig } from './config';
import { createGatewayServer } from './server';

runService('gateway', async () => {
  const env = new EnvReader();
  const config = readGatewayConfig(env);
  env.done();
  const logger = createLogger('gateway', config.logLevel);
  const server = await createGatewayServer(config, logger, createMetrics('gateway'));
  const port = await server.listen(config.port, config.host);
  return { port, logger, close: () => server.stop() };
});
