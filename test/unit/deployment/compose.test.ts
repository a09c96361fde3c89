// docker-compose.yml cannot run here (no Docker engine), so this checks what can drift silently:
// service names, ports and URLs against supergraph.yaml and the code's own defaults, the start-up
// order (migrations before services, services after what they call), and each container's
// environment read by the service's own configuration code.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { readSupergraphConfig } from '../../../gateway/compose';
import { readMigrationTargets } from '../../../scripts/service';
import { ROOT_DIR } from '../../../shared/paths';
import { DEFAULT_PORTS, databaseUrlVar, subgraphUrlVar, SUBGRAPHS } from '../../../shared/services';
import { placeholderSecret, readServiceEnv, readWith, type ServiceName } from '../../support/deployment/env';

interface ComposeService {
  build?: string;
  command?: string[];
  restart?: string;
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

/**
 * A service's environment as compose hands it over: `${NAME:-default}` takes its default,
 * `${NAME:?message}` (which compose refuses to start without) a value of the real shape.
 */
function interpolated(name: string): Record<string, string> {
  const substitute = (value: string) =>
    value
      .replace(/\$\{(\w+):-([^}]*)\}/g, (_match, _name: string, fallback: string) => fallback)
      .replace(/\$\{(\w+):\?[^}]*\}/g, (_match, variable: string) => placeholderSecret(variable));
  return Object.fromEntries(
    Object.entries(service(name).environment ?? {}).map(([key, value]) => [key, substitute(String(value))]),
  );
}

describe('docker-compose.yml', () => {
  it.each([...SUBGRAPHS])('should run the %s subgraph under its supergraph.yaml name and port, with its own database', (name) => {
    const subgraph = service(name);
    const routing = readSupergraphConfig().find((source) => source.name === name);
    expect(subgraph.command).toEqual([name]);
    expect(subgraph.environment?.PORT).toBe(new URL(routing!.url).port);
    expect(subgraph.environment?.PORT).toBe(String(DEFAULT_PORTS[name]));
    expect(subgraph.environment?.NODE_ENV).toBe('production');
    expect(new URL(interpolated(name)[databaseUrlVar(name)] ?? '').pathname).toBe(`/shop_${name}`);
    expect(subgraph.healthcheck?.test?.join(' ')).toContain(`:${DEFAULT_PORTS[name]}/ready`);
    expect(subgraph.environment?.REDIS_URL).toBe('redis://redis:6379');
  });

  it.each([...SUBGRAPHS])('should migrate the %s database in a one-shot service before the subgraph starts', (name) => {
    const migrate = service(`migrate-${name}`);
    expect(migrate.command).toEqual(['migrate', name]);
    expect(migrate.restart).toBe('no');
    expect(migrate.build).toBe(service(name).build);
    expect(migrate.depends_on?.postgres?.condition).toBe('service_healthy');
    // The same database as the subgraph's, and no other secret.
    expect(migrate.environment?.[databaseUrlVar(name)]).toBe(service(name).environment?.[databaseUrlVar(name)]);
    const env = interpolated(`migrate-${name}`);
    const { config, unread } = readWith(env, (reader) => readMigrationTargets(reader, [name]));
    expect(unread).toEqual([]);
    expect(config).toEqual([[name, env[databaseUrlVar(name)]]]);

    const subgraph = service(name);
    expect(subgraph.depends_on?.[`migrate-${name}`]?.condition).toBe('service_completed_successfully');
    expect(subgraph.environment?.MIGRATE_ON_START).toBe('off');
  });

  it.each(['user', 'product', 'order', 'payment', 'gateway'])(
    'should start %s, which uses Redis, after Redis is healthy',
    (name) => {
      expect(service(name).depends_on?.redis?.condition).toBe('service_healthy');
    },
  );

  it('should start each subgraph after the subgraphs it calls are healthy', () => {
    expect(service('order').depends_on).toMatchObject({
      product: { condition: 'service_healthy' },
      user: { condition: 'service_healthy' },
    });
    expect(service('payment').depends_on).toMatchObject({ order: { condition: 'service_healthy' } });
  });

  it('should point the gateway at every subgraph by its compose service name, and start it last', () => {
    const gateway = service('gateway');
    expect(gateway.command).toEqual(['gateway']);
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

  it.each(['gateway', ...SUBGRAPHS] as ServiceName[])(
    'should give %s exactly the environment its code reads, valid in production, on its port',
    (name) => {
      const { config, unread } = readServiceEnv(name, interpolated(name));
      expect(unread).toEqual([]);
      expect(config.production).toBe(true);
      expect(config.port).toBe(DEFAULT_PORTS[name]);
    },
  );

  it('should take every secret from the environment, and each service only the secrets it uses', () => {
    // `${NAME:?message}`: compose refuses to start without the variable; the file holds no value.
    const fromEnvironment = (name: string) => expect.stringMatching(new RegExp(`^\\$\\{${name}:\\?`));
    for (const name of [...SUBGRAPHS, 'gateway']) {
      expect(service(name).environment?.INTERNAL_SECRET).toEqual(fromEnvironment('INTERNAL_SECRET'));
    }
    // Access tokens are signed by the user subgraph alone: the gateway verifies them with the public
    // keys it fetches from it, and no other service holds any key.
    expect(service('user').environment?.ACCESS_TOKEN_SIGNING_KEY).toEqual(fromEnvironment('ACCESS_TOKEN_SIGNING_KEY'));
    for (const name of ['gateway', 'product', 'order', 'payment']) {
      expect(Object.keys(service(name).environment ?? {}).filter((key) => key.startsWith('ACCESS_TOKEN'))).toEqual([]);
    }
    // One-shot database jobs hold database URLs only.
    for (const name of [...SUBGRAPHS.map((subgraph) => `migrate-${subgraph}`), 'seed']) {
      expect(Object.keys(service(name).environment ?? {}).filter((key) => !key.endsWith('_DATABASE_URL'))).toEqual(['NODE_ENV']);
    }
  });

  it('should seed once every migration has succeeded', () => {
    const seed = service('seed');
    expect(seed.command).toEqual(['seed', '--if-empty']);
    expect(seed.restart).toBe('no');
    for (const name of SUBGRAPHS) {
      expect(seed.depends_on?.[`migrate-${name}`]?.condition).toBe('service_completed_successfully');
      expect(seed.environment?.[databaseUrlVar(name)]).toBe(service(name).environment?.[databaseUrlVar(name)]);
    }
  });

  it('should create one database per subgraph in PostgreSQL', () => {
    const init = readFileSync(path.join(ROOT_DIR, 'docker/postgres-init.sql'), 'utf8');
    for (const name of SUBGRAPHS) expect(init).toMatch(new RegExp(`CREATE DATABASE "?shop_${name}"?`, 'i'));
  });
});
