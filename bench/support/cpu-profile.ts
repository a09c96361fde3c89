// `npx tsx bench/support/cpu-profile.ts <file.cpuprofile> [top]`: where a CPU profile (written by
// a service started with BENCH_PROFILE=<dir>) spent its time, by package and by function, so that
// a profile can be read without opening Chrome DevTools.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<package> (scoped too), "node:" internals, or "project" for our own files. */
function packageOf(url: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1]!;
  if (url.startsWith('node:') || url === '') return url === '' ? '(native / gc / idle)' : 'node internals';
  return 'project';
}

function summarize(file: string, top: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, index) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const total = [...selfMicros.values()].reduce((sum, micros) => sum + micros, 0);
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const name = functionName || '(anonymous)';
    if (name === '(idle)') continue;
    byPackage.set(packageOf(url), (byPackage.get(packageOf(url)) ?? 0) + micros);
    const where = `${name} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(shared|gateway|subgraphs|bench)\//, '$1/')}:${lineNumber + 1}`;
    byFunction.set(where, (byFunction.get(where) ?? 0) + micros);
  }
  const idle = [...selfMicros]
    .filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)')
    .reduce((sum, [, micros]) => sum + micros, 0);
  const busy = total - idle;
  const show = (title: string, entries: Map<string, number>) => {
    console.log(`\n${title}`);
    for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${((micros / busy) * 100).toFixed(1).padStart(5)} %  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`);
    }
  };
  console.log(
    `${file}: ${(total / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy (percentages are of busy time)`,
  );
  show('By package', byPackage);
  show('By function (self time)', byFunction);
}

const [file, top = '25'] = process.argv.slice(2);
if (!file) {
  console.error('Usage: npx tsx bench/support/cpu-profile.ts <file.cpuprofile> [top]');
  process.exit(2);
}
summarize(file, Number(top));
