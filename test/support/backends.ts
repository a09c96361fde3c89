// Which PostgreSQL and Redis the tests run on. Global setup probes the servers once per run: a
// server that answers is used; a missing one is replaced by its embedded equivalent (PGlite
// databases, the in-process event bus) so that `npm test` passes on a machine with nothing but
// Node. Tests about the servers themselves (Redis Streams' consumer groups, budgets shared
// between processes, a Redis outage) have no equivalent and are skipped there; `.ci/run`, which
// has both servers, fails on any skipped test. TEST_BACKENDS=embedded forces the embedded ones.
import { connect } from 'node:net';

export type Backend = 'server' | 'embedded';

/** Set by global setup for the whole run (workers inherit it). */
export const TEST_POSTGRES: Backend = process.env.TEST_POSTGRES === 'embedded' ? 'embedded' : 'server';
export const TEST_REDIS: Backend = process.env.TEST_REDIS === 'embedded' ? 'embedded' : 'server';

/** Whether something accepts TCP connections at `url`'s host and port. */
export function reachable(url: string, defaultPort: number, timeoutMs = 1_000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || defaultPort) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
