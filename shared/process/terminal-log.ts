// Pino's JSON lines, shortened for a terminal to "[service] level message: error".
interface LogEntry {
  level?: number;
  service?: string;
  msg?: string;
  err?: { message?: string };
}

/** The lines of `chunk` for humans; lines that are not JSON are kept as they are. */
export function formatLogLines(chunk: string, service?: string): string[] {
  return chunk
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      let entry: LogEntry;
      try {
        entry = JSON.parse(line) as LogEntry;
      } catch {
        return service ? `[${service}] ${line}` : line;
      }
      const level = entry.level ?? 30;
      const label = level >= 50 ? 'error ' : level >= 40 ? 'warn ' : '';
      const error = entry.err?.message ? `: ${entry.err.message}` : '';
      return `[${entry.service ?? service ?? '?'}] ${label}${entry.msg ?? ''}${error}`;
    });
}
