// Generation counters of cached entities. The service that owns an entity bumps its generation
// after every committed change and before anyone can hear of the change; a cache keys what it
// stores by the generation it read before fetching. An entry fetched while a change committed is
// stored under the old generation and never read again, so a cache built on these never serves
// data older than the last change announced. Two implementations, like the event bus: Redis,
// shared by every process of a deployment, and memory, for the whole supergraph in one process.
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { firstConnected, REDIS_CONNECT_TIMEOUT_MS, REDIS_RECONNECT_MAX_DELAY_MS } from '../events/redis';
import { LocalWriters } from '../local-writers';

export interface EntityGenerations {
  /**
   * The current generation of each of `ids`, in order: an opaque token that changes with every
   * bump of that entity and never comes back.
   */
  read(type: string, ids: readonly string[]): Promise<string[]>;
  /** Moves each of `ids` to a new generation; once resolved, every read sees it. */
  bump(type: string, ids: readonly string[]): Promise<void>;
}

/**
 * How long generations are not trusted after Redis was unreachable, or failed a read: longer than
 * every writer needs to be connected again once Redis answers (its next attempt comes within
 * REDIS_RECONNECT_MAX_DELAY_MS and connects within REDIS_CONNECT_TIMEOUT_MS). A writer that
 * cannot bump moves the bump to its outbox, and meanwhile no reader must trust what it reads.
 */
export const GENERATIONS_RECOVERY_MS = REDIS_RECONNECT_MAX_DELAY_MS + REDIS_CONNECT_TIMEOUT_MS + 2_000;

export class RedisEntityGenerations implements EntityGenerations {
  /**
   * Changes with every outage this process notices, and is part of every token it reads: what a
   * cache stored before an outage is never read after it, whether or not each bump that could not
   * be made meanwhile has been made since.
   */
  private session = 0;
  /** When an outage was last noticed (a failed read, a dropped connection) or ended. */
  private troubleAt = -Infinity;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly recoveryMs = GENERATIONS_RECOVERY_MS,
  ) {
    // An outage without a read in it (no traffic) counts too; so does its end, from which the
    // recovery time runs.
    redis.on('close', () => this.trouble());
    redis.on('ready', () => {
      if (this.troubleAt > -Infinity) this.trouble();
    });
  }

  /**
   * Fails while Redis is unreachable, and for `recoveryMs` after it was: a bump that could not be
   * made meanwhile may not be made yet.
   */
  async read(type: string, ids: readonly string[]): Promise<string[]> {
    const untrusted = this.troubleAt + this.recoveryMs - Date.now();
    if (untrusted > 0) throw new Error(`entity generations not trusted for another ${untrusted} ms: Redis was unreachable`);
    const session = this.session;
    try {
      await firstConnected(this.redis);
      const [epoch, ...generations] = await this.redis.mget(this.epochKey(), ...ids.map((id) => this.key(type, id)));
      const current = epoch ?? (await this.startEpoch());
      return generations.map((generation) => `${current}.${session}.${generation ?? 0}`);
    } catch (error) {
      this.trouble();
      throw error;
    }
  }

  async bump(type: string, ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    await firstConnected(this.redis);
    const pipeline = this.redis.pipeline();
    for (const id of new Set(ids)) pipeline.incr(this.key(type, id));
    const failed = (await pipeline.exec())?.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
  }

  /**
   * Counters start again from 0 in a Redis that lost its data (restarted without persistence,
   * flushed): the epoch, part of every token, is new then, so tokens read before never come back.
   */
  private async startEpoch(): Promise<string> {
    // NX: readers that find it missing at the same moment agree on the first one written.
    await this.redis.set(this.epochKey(), randomUUID(), 'NX');
    const epoch = await this.redis.get(this.epochKey());
    if (!epoch) throw new Error('entity generation epoch vanished');
    return epoch;
  }

  private trouble(): void {
    this.session += 1;
    this.troubleAt = Date.now();
  }

  private epochKey(): string {
    return `${this.prefix}entity-generations:epoch`;
  }

  private key(type: string, id: string): string {
    return `${this.prefix}entity-generations:${type}:${id}`;
  }
}

/**
 * Generations in this process's memory. Only meaningful where the services that bump them run
 * in the same process: reads fail until a writer has attached, so a gateway alone in its process
 * (its own memory never bumped) does without its cache instead of serving stale entries.
 */
export class InMemoryEntityGenerations implements EntityGenerations {
  private readonly generations = new Map<string, number>();
  private readonly writers = new LocalWriters();

  /** Declares a service of this process that bumps; returns how to withdraw it (on close). */
  attachWriter(): () => void {
    return this.writers.attach();
  }

  async read(type: string, ids: readonly string[]): Promise<string[]> {
    if (!this.writers.attached) throw new Error('no service of this process bumps entity generations');
    return ids.map((id) => String(this.generations.get(`${type}:${id}`) ?? 0));
  }

  async bump(type: string, ids: readonly string[]): Promise<void> {
    for (const id of new Set(ids)) {
      const key = `${type}:${id}`;
      this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
    }
  }
}

const inProcess = new Map<string, InMemoryEntityGenerations>();

/** The generations of this process under `prefix`, shared by every service in it. */
export function inProcessEntityGenerations(prefix: string): InMemoryEntityGenerations {
  let generations = inProcess.get(prefix);
  if (!generations) inProcess.set(prefix, (generations = new InMemoryEntityGenerations()));
  return generations;
}
