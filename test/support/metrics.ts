/** One sample of a Prometheus text exposition: `name{label="value",...} number`. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples named `name` in a Prometheus text exposition, with their labels. */
export function metricSamples(text: string, name: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    const match = SAMPLE.exec(line);
    if (!match || match[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const [, label, value] of (match[2] ?? '').matchAll(LABEL)) {
      labels[label!] = value!.replace(/\\n/g, '\n').replace(/\\(.)/g, '$1');
    }
    samples.push({ name, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include `labels`. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  return metricSamples(text, name)
    .filter((sample) => Object.entries(labels).every(([label, value]) => sample.labels[label] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

/** A service's Prometheus exposition. */
export async function scrapeMetrics(graphqlUrl: string): Promise<string> {
  const response = await fetch(new URL('/metrics', graphqlUrl));
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  return response.text();
}

/** A counter or gauge from a service's Prometheus endpoint (the sum over its label sets that include `labels`). */
export async function scrapeMetric(graphqlUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  return metricValue(await scrapeMetrics(graphqlUrl), name, labels);
}

/** The SQL statements a service has sent so far. */
export function statementCount(graphqlUrl: string): Promise<number> {
  return scrapeMetric(graphqlUrl, 'db_statements_total');
}
