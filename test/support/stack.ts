// The whole supergraph as real processes on free ports: four subgraphs on this test file's own
// databases, and one or more gateways in front of them. Everything started is stopped by stop(),
// also when start-up fails half-way.
import { startServiceProcess, type ServiceProcess } from '../../shared/process/service-process';
import { databaseUrlVar, subgraphUrlVar, SUBGRAPHS, type SubgraphName } from '../../shared/services';
import type { TestDatabases } from './databases';
import { TEST_EVENTS_PREFIX, TEST_REDIS_URL } from './events';

export interface Stack {
  /** The first gateway's /graphql URL. */
  gatewayUrl: string;
  gateways: ServiceProcess[];
  subgraphs: Record<SubgraphName, ServiceProcess>;
  stop(): Promise<void>;
}

const BASE_ENV = {
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
  REDIS_URL: TEST_REDIS_URL,
  EVENTS_PREFIX: TEST_EVENTS_PREFIX,
};

export async function startStack(databases: TestDatabases, { gatewayCount = 1 } = {}): Promise<Stack> {
  const started: ServiceProcess[] = [];
  const stopAll = async () => {
    await Promise.all(started.splice(0).map((process) => process.stop()));
  };
  const subgraphs = {} as Record<SubgraphName, ServiceProcess>;
  const peers = () =>
    Object.fromEntries(Object.entries(subgraphs).map(([name, process]) => [subgraphUrlVar(name as SubgraphName), process.url]));
  const start = async (name: string, env: Record<string, string>) => {
    const process = await startServiceProcess(name, { env: { ...BASE_ENV, ...env } });
    started.push(process);
    return process;
  };
  const startSubgraph = async (name: SubgraphName) => {
    subgraphs[name] = await start(name, { [databaseUrlVar(name)]: databases[name], ...peers() });
  };

  try {
    // Order calls user and product, payment calls order: start each after the ones it calls.
    await Promise.all([startSubgraph('user'), startSubgraph('product')]);
    await startSubgraph('order');
    await startSubgraph('payment');
    const gateways = await Promise.all(Array.from({ length: gatewayCount }, () => start('gateway', peers())));
    const [first] = gateways;
    if (!first || SUBGRAPHS.some((name) => !subgraphs[name])) throw new Error('stack incomplete');
    return { gatewayUrl: first.url, gateways, subgraphs, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
