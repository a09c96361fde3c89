// What the deployment tests share: a service's environment as a deployment gives it, read by the
// service's own configuration code, to prove the two agree (no variable the code needs is missing,
// none set is ignored, the port it listens on is the one declared).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readGatewayConfig } from '../../../gateway/config';
import { EnvReader, type ServiceConfig } from '../../../shared/config';
import type { SubgraphName } from '../../../shared/services';
import { isPassThrough } from '../../../shared/variables';
import { orderSubgraph } from '../../../subgraphs/order/server';
import { paymentSubgraph } from '../../../subgraphs/payment/server';
import { productSubgraph } from '../../../subgraphs/product/server';
import { userSubgraph } from '../../../subgraphs/user/server';

export type ServiceName = SubgraphName | 'gateway';

const READERS: Record<ServiceName, (env: EnvReader) => ServiceConfig> = {
  gateway: readGatewayConfig,
  user: (env) => userSubgraph.readConfig(env),
  product: (env) => productSubgraph.readConfig(env),
  order: (env) => orderSubgraph.readConfig(env),
  payment: (env) => paymentSubgraph.readConfig(env),
};

/**
 * A value of the shape a real secret has: URLs for the connection strings (with a password in
 * them), a private JWK for the access-token signing key (public ones for the previous keys), 40
 * random characters for other secrets.
 */
export function placeholderSecret(name: string): string {
  const key = () => generateKeyPairSync('ed25519').privateKey;
  if (name === 'ACCESS_TOKEN_SIGNING_KEY') return JSON.stringify(key().export({ format: 'jwk' }));
  if (name === 'ACCESS_TOKEN_PREVIOUS_KEYS') return JSON.stringify([{ ...key().export({ format: 'jwk' }), d: undefined }]);
  const password = randomBytes(12).toString('hex');
  const database = /^(\w+)_DATABASE_URL$/.exec(name)?.[1]?.toLowerCase();
  if (database) return `postgresql://shop_${database}:${password}@db.example.internal:5432/shop_${database}`;
  if (name === 'REDIS_URL') return `rediss://:${password}@redis.example.internal:6380`;
  return randomBytes(20).toString('hex');
}

export interface ReadOutcome<Config> {
  config: Config;
  /** Variables the environment sets that no configuration code asked for. */
  unread: string[];
}

/** Reads `env` with `read`, throwing as the service would on an invalid configuration. */
export function readWith<Config>(env: Record<string, string>, read: (reader: EnvReader) => Config): ReadOutcome<Config> {
  const reader = new EnvReader(env);
  const config = read(reader);
  reader.done();
  const unread = Object.keys(env).filter((name) => !reader.names.has(name) && !isPassThrough(name));
  return { config, unread };
}

/** Reads `env` the way the named service does at start-up. */
export function readServiceEnv(service: ServiceName, env: Record<string, string>): ReadOutcome<ServiceConfig> {
  return readWith(env, READERS[service]);
}
