// Reading a service's Prometheus metrics from a benchmark: one scrape before a measured window and
// one after, so that what the window did is the difference, whatever ran before it.
import { metricSamples, metricValue } from '../../test/support/metrics';

/** The /metrics text of the service at `baseUrl` (its GraphQL URL will do: the path is replaced). */
export async function scrapeMetrics(baseUrl: string): Promise<string> {
  const url = new URL(baseUrl);
  url.pathname = '/metrics';
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url.pathname}: HTTP ${response.status}`);
  return response.text();
}

/** A counter's or gauge's value (summed over the samples with `labels`). */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  return metricValue(text, name, labels);
}

export interface HistogramWindow {
  count: number;
  p50: number;
  p90: number;
  p99: number;
}

/** Two scrapes of one service, around a measured window. */
export interface Scrapes {
  before: string;
  after: string;
}

/**
 * Quantiles, in the histogram's unit times `scale`, of what a histogram observed within `windows`
 * (the sum of each window's difference): linear within a bucket, as Prometheus's
 * histogram_quantile() estimates them, so only as fine as the buckets.
 */
export function histogramWindow(
  windows: readonly Scrapes[],
  name: string,
  labels: Record<string, string>,
  scale = 1,
): HistogramWindow {
  const buckets = (text: string) =>
    metricSamples(text, `${name}_bucket`)
      .filter((sample) => Object.entries(labels).every(([label, value]) => sample.labels[label] === value))
      .map((sample) => [Number(sample.labels.le), sample.value] as const);
  const sums = new Map<number, number>();
  for (const { before, after } of windows) {
    for (const [le, count] of buckets(after)) sums.set(le, (sums.get(le) ?? 0) + count);
    for (const [le, count] of buckets(before)) sums.set(le, (sums.get(le) ?? 0) - count);
  }
  const window = [...sums].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
  const count = window.at(-1)?.count ?? 0;
  const quantile = (q: number) => {
    const rank = q * count;
    let lower = 0;
    let below = 0;
    for (const { le, count: cumulative } of window) {
      if (cumulative >= rank) {
        // Past the last finite bucket only "more than it" is known.
        if (!Number.isFinite(le)) return lower * scale;
        const within = cumulative - below;
        return (lower + (within ? ((rank - below) / within) * (le - lower) : 0)) * scale;
      }
      lower = le;
      below = cumulative;
    }
    return NaN;
  };
  const round = (value: number) => Math.round(value * 10) / 10;
  return { count, p50: round(quantile(0.5)), p90: round(quantile(0.9)), p99: round(quantile(0.99)) };
}
