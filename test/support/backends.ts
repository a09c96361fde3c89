// Which PostgreSQL and Redis the tests run on. Global setup probes the servers once per run: a
// server that answers is used; a missing one is replaced by its embedded equivalent (PGlite
// databases, the in-process event bus) so that `npm test` passes on a machine with nothing but
// Node. Tests about the servers themselves (Redis Streams' consumer groups, budgets shared
// between processes, a Redis outage) have no equivalent and are skipped there; `.ci/run`, which
// has both servers, fails on any skipped test. TEST_BACKENDS=embedded forces the embedded ones.
import { connect } from 'node:net';

export type Backend = 'server' | 'embedded';

/**
 * The backends global setup chose for the run (workers inherit them). Read when called: global
 * setup and teardown share one process, whose modules may have loaded before the choice.
 */
export function chosenBackends(): { postgres: Backend; redis: Backend } {
  const backend = (value: string | undefined): Backend => (value === 'embedded' ? 'embedded' : 'server');
  return { postgres: backend(process.env.TEST_POSTGRES), redis: backend(process.env.TEST_REDIS) };
}

/** For test files, which start after global setup. */
export const TEST_POSTGRES: Backend = chosenBackends().postgres;
export const TEST_REDIS: Backend = chosenBackends().redis;

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
