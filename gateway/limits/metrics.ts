import type { Registry } from 'prom-client';
import { limitRejectionsCounter, type LimitRejections } from '../../shared/limits/rejections';

/** Requests, connections and operations refused at the gateway's limits, by error code. */
export type LimitMetrics = LimitRejections;

export function createLimitMetrics(registry: Registry): LimitMetrics {
  return limitRejectionsCounter(registry, {
    name: 'gateway_limit_rejections_total',
    help: 'Requests, WebSocket connections and operations refused by a query limit or a rate limit, by error code.',
  });
}
