// For states that change with nothing to await (a process that starts listening, a circuit whose
// reset time passes, log lines a child process has yet to flush): ask again, with a bound.

export interface PollOptions {
  timeoutMs?: number;
  /** Pause between two asks; 0 yields to the event loop only. */
  intervalMs?: number;
}

/**
 * Calls `probe` until `done` holds for its value or `timeoutMs` has passed; resolves with the last
 * value either way, so the caller's assertion on it says what was seen.
 */
export async function pollUntil<T>(
  probe: () => T | Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 10_000, intervalMs = 20 }: PollOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => (intervalMs > 0 ? setTimeout(resolve, intervalMs) : setImmediate(resolve)));
    value = await probe();
  }
  return value;
}
