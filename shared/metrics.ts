// Prometheus metrics, one registry per service. Counting database statements is what proves
// the absence of N+1 queries: the end-to-end tests read it from /metrics.
import { Counter, Registry, collectDefaultMetrics, type Metric } from 'prom-client';

export interface Metrics {
  registry: Registry;
  dbStatements: Counter;
}

/**
 * Starts the SQL that metrics send at scrape time (the outbox gauges): it is not counted in
 * db_statements_total, or every scrape would change the count the tests compare across a request.
 */
export const SCRAPE_SQL_TAG = '/* scrape */';

/** Whether a statement the database client reports counts in db_statements_total. */
export function countsAsStatement(sql: string): boolean {
  return !sql.startsWith(SCRAPE_SQL_TAG);
}

export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    dbStatements: new Counter({
      name: 'db_statements_total',
      help: "SQL statements sent to this service's database.",
      registers: [registry],
    }),
  };
}

/**
 * The metric `name` of `registry`, made by `create` the first time: several components of one
 * service (one data source or client per called service) share one metric, told apart by labels.
 */
export function sharedMetric<T extends Metric>(registry: Registry, name: string, create: (name: string) => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create(name);
}
