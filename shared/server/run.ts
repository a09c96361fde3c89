// Process lifecycle for every service entry point: start, report readiness, shut down cleanly
// on SIGTERM/SIGINT, and exit non-zero with a readable message when start-up fails.
import { ConfigError } from '../config';
import type { Logger } from '../logger';

export interface RunningService {
  port: number;
  logger: Logger;
  /** Stops accepting work, finishes what is in flight and releases connections. */
  close(): Promise<void>;
}

/** Sent over IPC to a parent process (the dev launcher, the test harness) once listening. */
export interface ReadyMessage {
  type: 'ready';
  port: number;
  /** The dev launcher: the port of each service it started. */
  services?: Record<string, number>;
}

export function runService(name: string, start: () => Promise<RunningService>): void {
  start().then(
    (service) => {
      service.logger.info({ port: service.port }, `${name} listening`);
      process.send?.({ type: 'ready', port: service.port } satisfies ReadyMessage);

      let stopping = false;
      const shutdown = (reason: string) => {
        if (stopping) return;
        stopping = true;
        service.logger.info({ reason }, `${name} shutting down`);
        service.close().then(
          () => process.exit(0),
          (error: unknown) => {
            service.logger.error({ err: error }, 'error during shutdown');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
      // A parent that launched us over IPC and went away must not leave us running.
      process.once('disconnect', () => shutdown('parent process exited'));
    },
    (error: unknown) => {
      if (error instanceof ConfigError) console.error(`${name}: ${error.message}`);
      else console.error(`${name} failed to start:`, error);
      process.exit(1);
    },
  );
}
