// docker-compose.yml cannot run here (no Docker engine), so this checks what can drift silently:
// service names, ports and URLs against supergraph.yaml and the code's own defaults.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { readSupergraphConfig } from '../gateway/compose';
import { ROOT_DIR } from '../shared/paths';
import { DEFAULT_PORTS, databaseUrlVar, subgraphUrlVar, SUBGRAPHS } from '../shared/services';

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[] };
  depends_on?: Record<string, { condition?: string }>;
}

const compose = parse(readFileSync(path.join(ROOT_DIR, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};

describe('docker-compose.yml', () => {
  it.each([...SUBGRAPHS])('should run the %s subgraph under its supergraph.yaml name and port, with its own database', (name) => {
    const subgraph = service(name);
    const routing = readSupergraphConfig().find((source) => source.name === name);
    expect(subgraph.command).toEqual(['npm', 'run', `start:${name}`]);
    expect(subgraph.environment?.PORT).toBe(new URL(routing!.url).port);
    expect(subgraph.environment?.PORT).toBe(String(DEFAULT_PORTS[name]));
    expect(subgraph.environment?.NODE_ENV).toBe('production');
    expect(new URL(subgraph.environment?.[databaseUrlVar(name)] ?? '').pathname).toBe(`/shop_${name}`);
    expect(subgraph.healthcheck?.test?.join(' ')).toContain(`:${DEFAULT_PORTS[name]}/ready`);
    expect(subgraph.depends_on?.postgres?.condition).toBe('service_healthy');
    expect(subgraph.environment?.REDIS_URL).toBe('redis://redis:6379');
  });

  it.each(['product', 'order', 'payment', 'gateway'])(
    'should start %s, which uses the event bus, after Redis is healthy',
    (name) => {
      expect(service(name).depends_on?.redis?.condition).toBe('service_healthy');
    },
  );

  it('should point the gateway at every subgraph by its compose service name, and start it last', () => {
    const gateway = service('gateway');
    expect(gateway.command).toEqual(['npm', 'run', 'start:gateway']);
    for (const name of SUBGRAPHS) {
      expect(gateway.environment?.[subgraphUrlVar(name)]).toBe(`http://${name}:${DEFAULT_PORTS[name]}/graphql`);
      expect(gateway.depends_on?.[name]?.condition).toBe('service_healthy');
    }
  });

  it('should give each service the peers it calls, by compose service name', () => {
    expect(service('order').environment).toMatchObject({
      [subgraphUrlVar('product')]: 'http://product:4002/graphql',
      [subgraphUrlVar('user')]: 'http://user:4001/graphql',
    });
    expect(service('payment').environment).toMatchObject({ [subgraphUrlVar('order')]: 'http://order:4003/graphql' });
  });

  it('should take every secret from the environment, and each service only the secrets it uses', () => {
    // `${NAME:?message}`: compose refuses to start without the variable; the file holds no value.
    const fromEnvironment = (name: string) => expect.stringMatching(new RegExp(`^\\$\\{${name}:\\?`));
    for (const name of [...SUBGRAPHS, 'gateway']) {
      expect(service(name).environment?.INTERNAL_SECRET).toEqual(fromEnvironment('INTERNAL_SECRET'));
    }
    // Access tokens are signed by the user subgraph and verified by the gateway; no one else holds the key.
    for (const name of ['user', 'gateway']) expect(service(name).environment?.JWT_SECRET).toEqual(fromEnvironment('JWT_SECRET'));
    for (const name of ['product', 'order', 'payment']) expect(service(name).environment?.JWT_SECRET).toBeUndefined();
  });

  it('should create one database per subgraph in PostgreSQL', () => {
    const init = readFileSync(path.join(ROOT_DIR, 'docker/postgres-init.sql'), 'utf8');
    for (const name of SUBGRAPHS) expect(init).toMatch(new RegExp(`CREATE DATABASE "?shop_${name}"?`, 'i'));
  });
});
