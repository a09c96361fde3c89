import { Counter, type Registry } from 'prom-client';

/** Where refusals at a service's limits are counted, by error code (a Prometheus counter). */
export interface LimitRejections {
  rejected(code: string): void;
}

/** The counter of one service's limit refusals, labelled by error code. */
export function limitRejectionsCounter(registry: Registry, { name, help }: { name: string; help: string }): LimitRejections {
  const rejections = new Counter({ name, help, labelNames: ['code'], registers: [registry] });
  return { rejected: (code) => rejections.inc({ code }) };
}
