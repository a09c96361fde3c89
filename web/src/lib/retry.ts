/**
 * How long to wait before the next reconnection attempt: 0.5 s, 1 s, 2 s, 4 s, then every 5 s,
 * each with up to 0.5 s of jitter, so that many tabs whose gateway restarted do not all come back
 * in the same millisecond.
 */
export function retryDelayMs(retries: number, random: () => number = Math.random): number {
  return Math.min(500 * 2 ** retries, 5_000) + Math.floor(random() * 500);
}
