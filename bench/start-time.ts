// `npm run bench:start`: how long the one-command start takes, typed as the README says
// (`npm start`), until the supergraph answers its first query, on embedded databases: cold (an
// empty DATA_DIR, so create, migrate and seed) and warm (the same DATA_DIR again). Also how long
// SIGTERM takes to stop it, and whether it stopped cleanly.
//
// Writes bench/results/start-time.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT_DIR } from '../shared/paths';

const COLD_RUNS = Number(process.env.BENCH_RUNS ?? 3);
const WARM_PER_COLD = 2;
const RETRY_MS = 25;
const START_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 30_000;
// Any product query needs the gateway, the query plan and a subgraph on its database: a real answer.
const QUERY = '{ products(first: 5) { edges { node { id name } } } }';
// Often set here for the tests and the other benchmark; with them the child would use the local PostgreSQL and Redis.
const NOT_EMBEDDED = ['USER_DATABASE_URL', 'PRODUCT_DATABASE_URL', 'ORDER_DATABASE_URL', 'PAYMENT_DATABASE_URL', 'REDIS_URL'];

interface Run {
  kind: 'cold' | 'warm';
  /** Spawn → first response with `data` and no `errors`. */
  firstAnswerMs: number;
  /** What the launcher printed ("Supergraph ready in X s"): from its own module start, so without npm and tsx. */
  launcherReadyMs: number;
  /** Spawn → each progress line (and the banner) on stdout: where the time goes. */
  progress: { line: string; atMs: number }[];
  /** SIGTERM to the process group → every process of it gone and its output closed. */
  shutdownMs: number;
  /** The launcher printed "stopped cleanly", which it does just before process.exit(0). */
  stoppedCleanly: boolean;
  /**
   * npm's own exit. sh (between npm and tsx) dies of the group's SIGTERM at once and npm re-raises
   * the signal its script died of, so this is signal SIGTERM whatever the launcher does.
   */
  npmExit: { code: number | null; signal: NodeJS.Signals | null };
}

/** Running children, so that a Ctrl-C of the benchmark does not leave a supergraph behind. */
const running = new Set<ChildProcess>();
const dataDirs: string[] = [];

async function main(): Promise<void> {
  const loadBefore = os.loadavg().map((load) => Number(load.toFixed(2)));
  const runs: Run[] = [];
  try {
    for (let cold = 0; cold < COLD_RUNS; cold += 1) {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-start-'));
      dataDirs.push(dataDir);
      runs.push(report(await startOnce('cold', dataDir)));
      for (let warm = 0; warm < WARM_PER_COLD; warm += 1) runs.push(report(await startOnce('warm', dataDir)));
    }
  } finally {
    removeDataDirs();
  }
  const summary = { cold: summarizeKind(runs, 'cold'), warm: summarizeKind(runs, 'warm') };
  printTable(summary);
  const cpus = os.cpus();
  const results = {
    date: new Date().toISOString(),
    machine: { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
    // Two cores: whatever else runs on the machine shows in the numbers.
    loadAverage: { before: loadBefore, after: os.loadavg().map((load) => Number(load.toFixed(2))) },
    node: process.version,
    command: 'npm start (DATA_DIR=<temp dir>, PORT=0, no *_DATABASE_URL, no REDIS_URL)',
    query: QUERY,
    runs: { cold: COLD_RUNS, warmAfterEachCold: WARM_PER_COLD },
    summary,
    perRun: runs,
  };
  writeFileSync(path.join(ROOT_DIR, 'bench/results/start-time.json'), `${JSON.stringify(results, null, 2)}\n`);
}

/** One start: spawn → banner → first answered query → SIGTERM → exit. */
async function startOnce(kind: Run['kind'], dataDir: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0' };
  for (const name of NOT_EMBEDDED) delete env[name];
  const t0 = performance.now();
  // detached: its own process group (npm, sh, tsx, node), so SIGTERM reaches all of it as Ctrl-C would.
  const child = spawn('npm', ['start'], { cwd: ROOT_DIR, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const output = watchOutput(child, t0);
  try {
    const banner = await withTimeout(output.banner, START_TIMEOUT_MS, 'no banner');
    await withTimeout(firstAnswer(banner.url), START_TIMEOUT_MS, 'no answer');
    const firstAnswerMs = performance.now() - t0;
    const stopped = performance.now();
    process.kill(-child.pid!, 'SIGTERM');
    const npmExit = await withTimeout(output.closed, STOP_TIMEOUT_MS, 'still running after SIGTERM');
    return {
      kind,
      firstAnswerMs: Math.round(firstAnswerMs),
      launcherReadyMs: banner.readyMs,
      progress: output.progress,
      shutdownMs: Math.round(performance.now() - stopped),
      stoppedCleanly: output.text().includes('stopped cleanly'),
      npmExit,
    };
  } catch (error) {
    killGroup(child);
    throw new Error(`${kind} start in ${dataDir}: ${(error as Error).message}\n--- its output ---\n${output.text()}`, {
      cause: error,
    });
  } finally {
    running.delete(child);
  }
}

/** The child's output as it arrives, with the moment each progress line and the banner appeared. */
function watchOutput(child: ChildProcess, t0: number) {
  let text = '';
  let pending = '';
  const progress: Run['progress'] = [];
  let onBanner: (banner: { url: string; readyMs: number }) => void = () => {};
  const banner = new Promise<{ url: string; readyMs: number }>((resolve, reject) => {
    onBanner = resolve;
    child.once('exit', (code, signal) => reject(new Error(`exited before its banner (code ${code}, signal ${signal})`)));
  });
  // 'close', not 'exit': the last lines ("stopped cleanly") may still be in the pipe at 'exit'.
  const closed = new Promise<Run['npmExit']>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  let readyMs = NaN;
  const line = (content: string) => {
    const atMs = Math.round(performance.now() - t0);
    const ready = /Supergraph ready in ([\d.]+) s/.exec(content);
    if (ready) {
      readyMs = Math.round(Number(ready[1]) * 1000);
      progress.push({ line: 'banner', atMs });
    }
    if (content.startsWith('\u25b8 ')) progress.push({ line: content.slice(2), atMs });
    const url = /GraphQL \(HTTP\)\s+(\S+)/.exec(content);
    if (url) onBanner({ url: url[1]!, readyMs });
  };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    lines.forEach(line);
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  return { banner, closed, progress, text: () => text };
}

/** Asks until the answer has data and no errors: the moment a user's first query would succeed. */
async function firstAnswer(url: string): Promise<void> {
  for (;;) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: QUERY }),
        signal: AbortSignal.timeout(5_000),
      });
      const body = (await response.json()) as { data?: unknown; errors?: unknown[] };
      if (body.data && !body.errors?.length) return;
    } catch {
      // Not listening yet, or not JSON yet: the same as no answer.
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} after ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function removeDataDirs(): void {
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

function report(run: Run): Run {
  const phases = run.progress.map(({ line, atMs }) => `${line.split(' (')[0]} @${atMs}`).join(', ');
  console.log(
    `${run.kind}: first answer ${run.firstAnswerMs} ms (launcher: ready in ${run.launcherReadyMs} ms), ` +
      `stop ${run.shutdownMs} ms, ${run.stoppedCleanly ? 'stopped cleanly' : 'NOT stopped cleanly'}, ` +
      `npm exit ${run.npmExit.code ?? run.npmExit.signal}` +
      `\n  ${phases}`,
  );
  return run;
}

function summarizeKind(runs: Run[], kind: Run['kind']) {
  const of = runs.filter((run) => run.kind === kind);
  return {
    runs: of.length,
    firstAnswerMs: stats(of.map((run) => run.firstAnswerMs)),
    launcherReadyMs: stats(of.map((run) => run.launcherReadyMs)),
    // A stop that was not clean ended early, killed (see BENCHMARKS.md): its time says nothing.
    cleanShutdownMs: stats(of.filter((run) => run.stoppedCleanly).map((run) => run.shutdownMs)),
    stoppedCleanly: of.filter((run) => run.stoppedCleanly).length,
  };
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median: Math.round(median), max: sorted.at(-1) ?? NaN };
}

function printTable(summary: Record<Run['kind'], ReturnType<typeof summarizeKind>>): void {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const rows = (['cold', 'warm'] as const).map((kind) => {
    const { runs, firstAnswerMs, launcherReadyMs, cleanShutdownMs, stoppedCleanly } = summary[kind];
    return [
      `${kind} (${runs})`,
      `${s(firstAnswerMs.median)} / ${s(firstAnswerMs.max)}`,
      `${s(launcherReadyMs.median)} / ${s(launcherReadyMs.max)}`,
      `${s(cleanShutdownMs.median)} / ${s(cleanShutdownMs.max)}`,
      `${stoppedCleanly}/${runs}`,
    ];
  });
  const header = [
    'start',
    'first answer (median / max)',
    '"ready in" (median / max)',
    'clean shutdown (median / max)',
    'clean stops',
  ];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
}

process.once('SIGINT', () => {
  running.forEach(killGroup);
  removeDataDirs();
  process.exit(130);
});

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
