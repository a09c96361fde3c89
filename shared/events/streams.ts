/** The Redis key of a stream: every key carries the deployment's prefix, so deployments (and test runs) sharing a Redis never see each other's events. */
export function streamKey(prefix: string, stream: string): string {
  return `${prefix}events:${stream}`;
}

/** Parses one stream entry's fields (["event", json]) into an envelope; null for anything else. */
export function parseEntry<T>(fields: string[]): T | null {
  const index = fields.indexOf('event');
  const json = index >= 0 ? fields[index + 1] : undefined;
  if (!json) return null;
  try {
    return JSON.parse(json) as T;
  } catch {
    return null;
  }
}
