// Imported first by every entry point (subgraphs/<name>/index.ts, gateway/index.ts,
// scripts/start.ts), so the instrumentations hook `http` and `pg` before anything loads them.
// The service is named after the entry point unless OTEL_SERVICE_NAME says otherwise.
import { startTelemetry } from './tracing';

startTelemetry({ serviceName: entryServiceName(process.argv) });

/**
 * `subgraphs/user/index.ts` → user, `gateway/index.ts` → gateway, `scripts/start.ts` (every
 * service in one process) → supergraph, the compiled `scripts/service.js <name>` → name.
 */
export function entryServiceName([, script = '', command]: readonly string[]): string {
  const file = script.replaceAll('\\', '/');
  const subgraph = /(?:^|\/)subgraphs\/([a-z]+)\/index\.[cm]?[jt]s$/.exec(file);
  if (subgraph) return subgraph[1]!;
  if (/(?:^|\/)gateway\/index\.[cm]?[jt]s$/.test(file)) return 'gateway';
  if (/(?:^|\/)scripts\/start\.[cm]?[jt]s$/.test(file)) return 'supergraph';
  if (/(?:^|\/)scripts\/service\.[cm]?[jt]s$/.test(file) && command) return command;
  return (
    file
      .split('/')
      .pop()
      ?.replace(/\.[cm]?[jt]s$/, '') || 'unknown_service'
  );
}
