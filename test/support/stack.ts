// The whole supergraph as real processes on free ports: four subgraphs on this test file's own
// databases, and one or more gateways in front of them, all on one Redis under this file's prefix.
// Everything started, here or later through start(), is stopped by stop(), also when start-up
// fails half-way. Without a Redis server the stack is the dev launcher's: every service in one
// process on the in-process event bus, each on its own port (so one instance of each).
import { startServiceProcess, type ServiceProcess } from '../../shared/process/service-process';
import { databaseUrlVar, localGraphQLUrl, subgraphUrlVar, SUBGRAPHS, type SubgraphName } from '../../shared/services';
import type { Identity } from '../../shared/auth/identity';
import { ADMIN, as } from './auth';
import type { TestDatabases } from './databases';
import type { Endpoint } from './graphql';
import { TEST_BUS_ENV, TEST_EVENTS_PREFIX } from './events';
import { TEST_REDIS } from './backends';

export interface Stack {
  /** The first gateway's /graphql URL, called anonymously. */
  gatewayUrl: string;
  /** The first gateway as an administrator. */
  admin: Endpoint;
  /** The first gateway as `identity`. */
  as(identity: Identity): Endpoint;
  gateways: ServiceProcess[];
  /** The first instance of each subgraph. */
  subgraphs: Record<SubgraphName, ServiceProcess>;
  /** Every order subgraph instance (see `orderInstances`). */
  orderInstances: ServiceProcess[];
  /** Starts one more process of the stack (stopped with it). */
  start(name: SubgraphName | 'gateway', env?: Record<string, string>): Promise<ServiceProcess>;
  /** The environment a subgraph of this stack runs with. */
  subgraphEnv(name: SubgraphName): Record<string, string>;
  stop(): Promise<void>;
}

export interface StackOptions {
  gatewayCount?: number;
  /** Order subgraph instances; gateway i sends its order fetches to instance i modulo this. */
  orderInstances?: number;
  /** Extra environment for every process (e.g. WS_KEEPALIVE_MS for the gateways). */
  env?: Record<string, string>;
}

// Rate limits so high that no test meets them, yet on, so every request goes through them. A test
// of the limits themselves passes its own (options.env or start()'s env win over these).
const GATEWAY_TEST_LIMITS = { RATE_LIMIT_IP_PER_MINUTE: '1000000', RATE_LIMIT_USER_PER_MINUTE: '1000000' };

export async function startStack(databases: TestDatabases, options: StackOptions = {}): Promise<Stack> {
  const { gatewayCount = 1, orderInstances = 1, env: extraEnv = {} } = options;
  const baseEnv = {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    ...TEST_BUS_ENV,
    EVENTS_PREFIX: TEST_EVENTS_PREFIX,
    ...extraEnv,
  };
  if (TEST_REDIS === 'embedded') return startInOneProcess(databases, options, { ...GATEWAY_TEST_LIMITS, ...baseEnv });
  const started: ServiceProcess[] = [];
  const subgraphs = {} as Record<SubgraphName, ServiceProcess>;
  const orders: ServiceProcess[] = [];
  const peers = () =>
    Object.fromEntries(Object.entries(subgraphs).map(([name, process]) => [subgraphUrlVar(name as SubgraphName), process.url]));
  const subgraphEnv = (name: SubgraphName) => ({ [databaseUrlVar(name)]: databases[name], ...peers() });
  const start = async (name: SubgraphName | 'gateway', env: Record<string, string> = {}) => {
    const defaults = name === 'gateway' ? peers() : subgraphEnv(name);
    const limits = name === 'gateway' ? GATEWAY_TEST_LIMITS : {};
    const process = await startServiceProcess(name, { env: { ...limits, ...baseEnv, ...defaults, ...env } });
    started.push(process);
    return process;
  };
  const startSubgraph = async (name: SubgraphName) => {
    subgraphs[name] = await start(name);
  };
  const stop = async () => {
    await Promise.all(started.splice(0).map((process) => process.stop()));
  };

  try {
    // Order calls user and product, payment calls order: start each after the ones it calls.
    await Promise.all([startSubgraph('user'), startSubgraph('product')]);
    await startSubgraph('order');
    orders.push(subgraphs.order);
    for (let i = 1; i < orderInstances; i += 1) orders.push(await start('order'));
    await startSubgraph('payment');
    const gateways = await Promise.all(
      Array.from({ length: gatewayCount }, (_, i) =>
        start('gateway', { [subgraphUrlVar('order')]: orders[i % orders.length]!.url }),
      ),
    );
    const [first] = gateways;
    if (!first || SUBGRAPHS.some((name) => !subgraphs[name])) throw new Error('stack incomplete');
    return {
      gatewayUrl: first.url,
      admin: as(ADMIN, first.url, 'gateway'),
      as: (identity) => as(identity, first.url, 'gateway'),
      gateways,
      subgraphs,
      orderInstances: orders,
      start,
      subgraphEnv,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startInOneProcess(databases: TestDatabases, options: StackOptions, env: Record<string, string>): Promise<Stack> {
  if ((options.gatewayCount ?? 1) > 1 || (options.orderInstances ?? 1) > 1) {
    throw new Error('several instances of a service share events through Redis: this test needs a Redis server');
  }
  const databaseEnv = Object.fromEntries(SUBGRAPHS.map((name) => [databaseUrlVar(name), databases[name]]));
  const supergraph = await startServiceProcess('supergraph', { env: { ...env, ...databaseEnv, SEED: 'off' } });
  const started = [supergraph];
  const service = (name: SubgraphName): ServiceProcess => {
    const port = supergraph.services[name]!;
    const stop = () =>
      Promise.reject(new Error(`${name} runs in the stack's one process: stopping it alone needs a Redis server`));
    return { ...supergraph, name, port, url: localGraphQLUrl(port), stop };
  };
  const subgraphs = Object.fromEntries(SUBGRAPHS.map((name) => [name, service(name)])) as Record<SubgraphName, ServiceProcess>;
  const peers = Object.fromEntries(SUBGRAPHS.map((name) => [subgraphUrlVar(name), subgraphs[name].url]));
  return {
    gatewayUrl: supergraph.url,
    admin: as(ADMIN, supergraph.url, 'gateway'),
    as: (identity) => as(identity, supergraph.url, 'gateway'),
    gateways: [supergraph],
    subgraphs,
    orderInstances: [subgraphs.order],
    // Another gateway, in a process of its own: it serves queries; events do not reach it.
    start: async (name, extra = {}) => {
      if (name !== 'gateway') throw new Error(`another ${name} instance needs a Redis server`);
      const gateway = await startServiceProcess('gateway', { env: { ...env, ...peers, ...extra } });
      started.push(gateway);
      return gateway;
    },
    subgraphEnv: (name) => ({ [databaseUrlVar(name)]: databases[name], ...peers }),
    stop: async () => {
      await Promise.all(started.splice(0).map((process) => process.stop()));
    },
  };
}
