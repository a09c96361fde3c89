import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs, one logger per service, tagged with the service's name. */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    // Defence in depth: fields that might ever carry credentials never reach the log.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', 'password'], remove: true },
  });
}
