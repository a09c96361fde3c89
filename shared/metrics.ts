// Prometheus metrics, one registry per service. Counting database statements is what proves
// the absence of N+1 queries: the end-to-end tests read it from /metrics.
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  dbStatements: Counter;
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
