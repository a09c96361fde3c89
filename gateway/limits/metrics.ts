import { Counter, type Registry } from 'prom-client';

/** Requests, connections and operations refused at the gateway's limits, by error code. */
export interface LimitMetrics {
  rejected(code: string): void;
}

export function createLimitMetrics(registry: Registry): LimitMetrics {
  const rejections = new Counter({
    name: 'gateway_limit_rejections_total',
    help: 'Requests, WebSocket connections and operations refused by a query limit or a rate limit, by error code.',
    labelNames: ['code'],
    registers: [registry],
  });
  return { rejected: (code) => rejections.inc({ code }) };
}
