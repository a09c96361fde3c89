import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

let destination: DestinationStream | undefined;

/**
 * Where every logger of this process writes from now on (standard output by default): the dev
 * launcher, running all services in one process, sends them through its terminal formatter.
 */
export function setLogDestination(stream: DestinationStream): void {
  destination = stream;
}

/** Structured JSON logs, one logger per service, tagged with the service's name. */
export function createLogger(service: string, level: string): Logger {
  const options = {
    level,
    base: { service },
    // Defence in depth: fields that might ever carry credentials never reach the log.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', 'password'], remove: true },
  };
  return destination ? pino(options, destination) : pino(options);
}
