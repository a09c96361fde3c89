import type { EnvReader } from '../shared/config';
import { createLogger } from '../shared/logger';
import { createMetrics } from '../shared/metrics';
import { drainThenStop } from '../shared/server/lifecycle';
import type { RunningService } from '../shared/server/run';
import { readGatewayConfig } from './config';
import { createGatewayServer } from './server';

/** Starts the gateway in this process and resolves once it listens. */
export async function startGateway(env: EnvReader): Promise<RunningService> {
  const config = readGatewayConfig(env);
  env.done();
  const logger = createLogger('gateway', config.logLevel);
  const server = await createGatewayServer(config, logger, createMetrics('gateway'));
  const port = await server.listen(config.port, config.host);
  server.lifecycle.enter('serving');
  return {
    port,
    logger,
    shutdown: config.shutdown,
    close: () => drainThenStop(server.lifecycle, config.shutdown, () => server.stop()),
  };
}
