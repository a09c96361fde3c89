// Starts a service entry point (subgraphs/<name>/index.ts, gateway/index.ts, or the whole
// supergraph in one process: scripts/start.ts) as its own Node process and waits until it
// listens. Used by the dev launcher and the end-to-end tests.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT_DIR } from '../paths';
import type { ListeningMessage, ReadyMessage } from '../server/run';
import { localGraphQLUrl } from '../services';

export interface ServiceProcess {
  name: string;
  port: number;
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  child: ChildProcess;
  /** The launcher ("supergraph"): the port of each service it runs. */
  services: Record<string, number>;
  /** Everything the process printed so far (for failure reports). */
  output(): string;
  /** Sends `signal` and resolves with the exit code once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  /** Receives every chunk the process prints, e.g. to forward it to the console. */
  onOutput?: (chunk: string) => void;
  readyTimeoutMs?: number;
  /** Extra Node flags, e.g. `--cpu-prof` (not allowed in NODE_OPTIONS). */
  nodeFlags?: string[];
  /** Called with the bound port once the service listens, before it is ready (a subgraph migrating). */
  onListening?: (port: number) => void;
}

export function entryPoint(name: string): string {
  if (name === 'supergraph') return path.join(ROOT_DIR, 'scripts/start.ts');
  return name === 'gateway' ? path.join(ROOT_DIR, 'gateway/index.ts') : path.join(ROOT_DIR, 'subgraphs', name, 'index.ts');
}

export function startServiceProcess(
  name: string,
  { env = {}, onOutput, readyTimeoutMs = 60_000, nodeFlags = [], onListening }: StartOptions = {},
): Promise<ServiceProcess> {
  const child = fork(entryPoint(name), [], {
    cwd: ROOT_DIR,
    execArgv: [...nodeFlags, '--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const chunks: string[] = [];
  const record = (data: Buffer) => {
    const text = data.toString();
    chunks.push(text);
    onOutput?.(text);
  };
  child.stdout?.on('data', record);
  child.stderr?.on('data', record);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not become ready within ${readyTimeoutMs} ms:\n${chunks.join('')}`));
    }, readyTimeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with code ${code} before it was ready:\n${chunks.join('')}`));
    });
    child.on('message', (message: ReadyMessage | ListeningMessage) => {
      if (message?.type === 'listening' && message.service === name) onListening?.(message.port);
      if (message?.type !== 'ready') return;
      clearTimeout(timer);
      resolve({
        name,
        port: message.port,
        url: localGraphQLUrl(message.port),
        services: message.services ?? {},
        child,
        output: () => chunks.join(''),
        stop: async (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    });
  });
}
