// Process lifecycle for every service entry point: start, report readiness, shut down cleanly
// on SIGTERM/SIGINT, and exit non-zero with a readable message when start-up fails.
import { ConfigError } from '../config';
import type { Logger } from '../logger';
import { shutdownTelemetry } from '../telemetry';
import type { ShutdownConfig } from './lifecycle';

export interface RunningService {
  port: number;
  logger: Logger;
  shutdown: ShutdownConfig;
  /**
   * Stops gracefully: unready at once, still serving for the shutdown delay, then stops
   * accepting, finishes what is in flight (WebSockets close with 1001 Going Away) and releases
   * connections.
   */
  close: () => Promise<void>;
}

/** Sent over IPC to a parent process (the dev launcher, the test harness) once listening. */
export interface ReadyMessage {
  type: 'ready';
  port: number;
  /** The dev launcher: the port of each service it started. */
  services?: Record<string, number>;
}

/**
 * Sent over IPC as soon as a service's port is bound, before its migrations: lets a parent that
 * started it on PORT=0 reach /health and /ready while it is not ready yet, with no port guessed.
 */
export interface ListeningMessage {
  type: 'listening';
  service: string;
  port: number;
}

/** Tells a parent process (if any) that `service` is listening on `port`. */
export function reportListening(service: string, port: number): void {
  process.send?.({ type: 'listening', service, port } satisfies ListeningMessage);
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
        // Whatever hangs (a stuck connection, a handler that never returns), the process goes.
        setTimeout(() => {
          service.logger.error({ timeoutMs: service.shutdown.timeoutMs }, 'shutdown timed out');
          process.exit(1);
        }, service.shutdown.timeoutMs).unref();
        service
          .close()
          // Last, so the spans of the final requests are exported too.
          .then(() => shutdownTelemetry())
          .then(
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
