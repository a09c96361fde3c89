// The gateways the benchmark compares, each started in front of the same four subgraph processes
// from the same supergraph SDL (its routing URLs pointed at this run's subgraphs).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SUPERGRAPH_SDL } from '../../gateway/supergraph-files';
import { ROOT_DIR } from '../../shared/paths';
import { localGraphQLUrl, SUBGRAPHS } from '../../shared/services';
import { RUN_ID, serviceEnv, profileFlags, startGateway, type Subgraphs } from '../support/stack';
import type { AuthMode } from './load';

export type GatewayName = 'ours' | 'hive' | 'hive-router-runtime' | 'apollo-stock';

export interface GatewayUnderTest {
  name: GatewayName;
  url: string;
  /** The process whose tree's CPU and memory are the gateway's. */
  pid: number;
  auth: AuthMode;
  stop(): Promise<void>;
}

interface GatewayKind {
  label: string;
  /** Package and version, for the report. */
  version(): string;
  start(subgraphs: Subgraphs): Promise<GatewayUnderTest>;
}

const PEERS_DIR = path.join(ROOT_DIR, 'bench/peers');
const HIVE_CLI = path.join(PEERS_DIR, 'node_modules/@graphql-hive/gateway/dist/bin.js');

export const GATEWAYS: Record<GatewayName, GatewayKind> = {
  ours: {
    label: 'Our gateway (gateway/)',
    version: () => `@apollo/gateway ${packageVersion(ROOT_DIR, '@apollo/gateway')}, tuned`,
    start: async (subgraphs) => {
      const service = await startGateway(subgraphs);
      return {
        name: 'ours',
        url: service.url,
        pid: service.child.pid!,
        auth: 'access-token',
        stop: async () => void (await service.stop()),
      };
    },
  },
  hive: {
    label: 'Hive Gateway',
    version: () => `@graphql-hive/gateway ${packageVersion(PEERS_DIR, '@graphql-hive/gateway')}`,
    start: (subgraphs) =>
      startPeer('hive', [HIVE_CLI, 'supergraph', supergraphFile(subgraphs), '--host', '127.0.0.1'], PEERS_DIR),
  },
  'hive-router-runtime': {
    label: 'Hive Gateway, Rust query planner',
    version: () =>
      `@graphql-hive/gateway ${packageVersion(PEERS_DIR, '@graphql-hive/gateway')} + @graphql-hive/router-runtime ${packageVersion(PEERS_DIR, '@graphql-hive/router-runtime')}`,
    start: (subgraphs) =>
      startPeer(
        'hive-router-runtime',
        [HIVE_CLI, 'supergraph', supergraphFile(subgraphs), '--host', '127.0.0.1', '--hive-router-runtime'],
        PEERS_DIR,
      ),
  },
  'apollo-stock': {
    label: 'Stock @apollo/gateway',
    version: () =>
      `@apollo/gateway ${packageVersion(ROOT_DIR, '@apollo/gateway')}, @apollo/server ${packageVersion(ROOT_DIR, '@apollo/server')}`,
    start: (subgraphs) =>
      startPeer('apollo-stock', ['--import', 'tsx', path.join(__dirname, 'apollo-stock.ts')], ROOT_DIR, {
        SUPERGRAPH_FILE: supergraphFile(subgraphs),
      }),
  },
};

/** Installs the peers (bench/peers/package-lock.json) on first use: about 500 MB, so not with the project. */
export function ensurePeersInstalled(): void {
  if (existsSync(HIVE_CLI)) return;
  console.error('Installing the peer gateways into bench/peers (once)...');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: PEERS_DIR, stdio: 'inherit' });
}

function packageVersion(root: string, name: string): string {
  return (JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The composed supergraph with each subgraph's routing URL pointed at this run's process. */
function supergraphFile(subgraphs: Subgraphs): string {
  let sdl = readFileSync(SUPERGRAPH_SDL, 'utf8');
  for (const name of SUBGRAPHS) {
    sdl = sdl.replace(new RegExp(`(@join__graph\\(name: "${name}", url: )"[^"]*"`), `$1"${subgraphs.byName[name].url}"`);
  }
  const file = path.join(os.tmpdir(), `shop-bench-${RUN_ID}-supergraph.graphql`);
  writeFileSync(file, sdl);
  return file;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts a peer gateway (Node with `args`) and waits until it answers `{ __typename }`: the peers
 * have no ready signal of ours, so the benchmark asks, before anything is measured.
 */
async function startPeer(
  name: GatewayName,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<GatewayUnderTest> {
  const port = await freePort();
  const child = spawn(process.execPath, [...profileFlags(), ...args], {
    cwd,
    env: { ...process.env, ...serviceEnv(), PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = localGraphQLUrl(port);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited before it was ready:\n${output.join('')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not answer within 60 s:\n${output.join('')}`);
    }
    const answered = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    }).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    name,
    url,
    pid: child.pid!,
    auth: 'internal-token',
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
