// Where a service is in its life, as /ready reports it. A load balancer (a Kubernetes Service)
// sends requests only to a ready instance: not while it is still applying migrations, and not
// once it has been told to stop, so traffic moves elsewhere before the listener closes.
import { setTimeout as wait } from 'node:timers/promises';

export type Phase = 'starting' | 'migrating' | 'serving' | 'draining';

export class Lifecycle {
  #phase: Phase = 'starting';

  get phase(): Phase {
    return this.#phase;
  }

  /** Moves forward only: a draining service never reports ready again. */
  enter(phase: Phase): void {
    if (this.#phase !== 'draining') this.#phase = phase;
  }

  /** Whether GraphQL requests are answered: from serving on, including while draining. */
  get accepting(): boolean {
    return this.#phase === 'serving' || this.#phase === 'draining';
  }
}

/** Settings of a graceful stop (SHUTDOWN_DELAY_MS, SHUTDOWN_TIMEOUT_MS). */
export interface ShutdownConfig {
  /**
   * How long a stopping service keeps serving while /ready already answers 503: the time a load
   * balancer needs to notice and stop sending new requests. 0 outside an orchestrator.
   */
  delayMs: number;
  /** A stop that has not finished after this long exits anyway (non-zero). */
  timeoutMs: number;
}

/**
 * A graceful stop: /ready answers 503 at once, requests are still served for `delayMs` (while
 * load balancers take the instance out), then `stop` stops accepting and finishes in-flight work.
 */
export async function drainThenStop(lifecycle: Lifecycle, { delayMs }: ShutdownConfig, stop: () => Promise<void>): Promise<void> {
  lifecycle.enter('draining');
  if (delayMs > 0) await wait(delayMs);
  await stop();
}
