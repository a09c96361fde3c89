// The gateway benchmark's results as tables in BENCHMARKS.md, between two markers, so that
// `npm run bench` rewrites them and nothing else of the file.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT_DIR } from '../../shared/paths';
import type { LoadResult } from './load';
import type { OperationName } from './operations';
import type { GatewayName } from './peers';

export interface Measurement extends LoadResult {
  gateway: GatewayName;
  operation: OperationName;
  gatewayCpuMsPerRequest: number;
  subgraphCpuMsPerRequest: number;
  sqlStatementsPerRequest: number;
  peakRssMb: number;
}

export interface SuiteResults {
  date: string;
  command: string;
  machine: { cpus: number; cpuModel: string; node: string };
  settings: { connections: number; warmupSeconds: number; durationSeconds: number; soakSeconds: number };
  versions: Record<string, string>;
  labels: Record<string, string>;
  titles: Record<string, string>;
  measurements: Measurement[];
  soak: {
    seconds: number;
    requestsPerSecond: number;
    errors: number;
    peakRssMb: number;
    firstFifthAverageRssMb: number;
    lastFifthAverageRssMb: number;
  } | null;
  subscriptions?: { spreadOverOrders: Percentiles; allOnOneOrder: Percentiles } | null;
}

interface Percentiles {
  deliveries: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

const BEGIN = '<!-- bench:gateways:begin (written by npm run bench) -->';
const END = '<!-- bench:gateways:end -->';
const BENCHMARKS_MD = path.join(ROOT_DIR, 'BENCHMARKS.md');

export function writeReport(results: SuiteResults): void {
  const current = readFileSync(BENCHMARKS_MD, 'utf8');
  const section = `${BEGIN}\n${render(results)}\n${END}`;
  const begin = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  const next =
    begin >= 0 && end > begin
      ? current.slice(0, begin) + section + current.slice(end + END.length)
      : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(BENCHMARKS_MD, next);
}

/** Latency to a tenth of a millisecond. */
function ms(value: number): string {
  return `${Math.round(value * 10) / 10} ms`;
}

export function render(results: SuiteResults): string {
  const { machine, settings } = results;
  const lines = [
    `Run of ${results.date.slice(0, 10)} (\`${results.command}\`): ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}; ` +
      `${settings.connections} connections, ${settings.warmupSeconds} s warm-up, then ${settings.durationSeconds} s measured per row.`,
    '',
    ...Object.entries(results.versions).map(([name, version]) => `- ${results.labels[name]}: ${version}`),
  ];
  for (const [operation, title] of Object.entries(results.titles)) {
    const rows = results.measurements.filter((m) => m.operation === operation);
    lines.push(
      '',
      `**${title}**`,
      '',
      '| Gateway | req/s | p50 | p95 | p99 | errors | gateway CPU ms/req | subgraphs CPU ms/req | SQL statements/req | peak RSS |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map(
        (m) =>
          `| ${results.labels[m.gateway]} | ${m.requestsPerSecond} | ${ms(m.latencyMs.p50)} | ${ms(m.latencyMs.p95)} | ${ms(m.latencyMs.p99)} | ${m.errors} | ${m.gatewayCpuMsPerRequest} | ${m.subgraphCpuMsPerRequest} | ${m.sqlStatementsPerRequest} | ${m.peakRssMb} MB |`,
      ),
    );
  }
  if (results.soak) {
    const s = results.soak;
    lines.push(
      '',
      `**Soak**: our gateway, ${s.seconds} s of deep order history: ${s.requestsPerSecond} req/s, ${s.errors} errors, ` +
        `peak RSS ${s.peakRssMb} MB; average RSS ${s.firstFifthAverageRssMb} MB over the first fifth of the run, ${s.lastFifthAverageRssMb} MB over the last.`,
    );
  }
  if (results.subscriptions) {
    const { spreadOverOrders: a, allOnOneOrder: b } = results.subscriptions;
    lines.push(
      '',
      '**Subscription delivery latency** (`npm run bench:subscriptions`, run by the suite; see the section above):',
      '',
      '| Scenario (1,000 subscribers) | Deliveries | p50 | p90 | p99 | max |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      `| Spread over 100 orders | ${a.deliveries} | ${a.p50} ms | ${a.p90} ms | ${a.p99} ms | ${a.max} ms |`,
      `| All on one order | ${b.deliveries} | ${b.p50} ms | ${b.p90} ms | ${b.p99} ms | ${b.max} ms |`,
    );
  }
  return lines.join('\n');
}
