/** Something a service runs beside its HTTP server, started after it and stopped before it. */
export interface Worker {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A worker with nothing to do (an outbox relay turned off). */
export const IDLE_WORKER: Worker = { start: async () => {}, stop: async () => {} };
