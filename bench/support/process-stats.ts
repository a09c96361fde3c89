// What a process costs, read from the kernel's own accounting (/proc), so that any gateway can
// be measured the same way whatever it is written in: CPU time and resident memory of a process
// and every process it started (Hive Gateway's CLI may fork workers).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

interface ProcStat {
  pid: number;
  parent: number;
  cpuTicks: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, parent: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null; // exited meanwhile
  }
}

/** `root` and its descendants, alive now. */
function processTree(root: number): ProcStat[] {
  const all = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readStat(Number(entry)))
    .filter((stat): stat is ProcStat => stat !== null);
  const tree: ProcStat[] = [];
  const wanted = new Set([root]);
  // Parents have lower pids on a machine that has not wrapped around; loop until stable anyway.
  for (let grew = true; grew;) {
    grew = false;
    for (const stat of all) {
      if (!tree.includes(stat) && (wanted.has(stat.pid) || wanted.has(stat.parent))) {
        tree.push(stat);
        wanted.add(stat.pid);
        grew = true;
      }
    }
  }
  return tree;
}

/** User + system CPU milliseconds the process tree has used so far. */
export function cpuMilliseconds(root: number): number {
  const ticks = processTree(root).reduce((sum, stat) => sum + stat.cpuTicks, 0);
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** Resident memory of the process tree now, in bytes. */
export function residentBytes(root: number): number {
  return processTree(root).reduce((sum, { pid }) => {
    try {
      const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return sum + (match ? Number(match[1]) * 1024 : 0);
    } catch {
      return sum;
    }
  }, 0);
}

/** Samples the tree's resident memory every `intervalMs` until stopped; reports peak and samples. */
export function sampleMemory(root: number, intervalMs = 250) {
  const samples: number[] = [residentBytes(root)];
  const timer = setInterval(() => samples.push(residentBytes(root)), intervalMs);
  return {
    stop(): { peakBytes: number; firstBytes: number; lastBytes: number; samples: number[] } {
      clearInterval(timer);
      samples.push(residentBytes(root));
      return { peakBytes: Math.max(...samples), firstBytes: samples[0]!, lastBytes: samples.at(-1)!, samples };
    },
  };
}
