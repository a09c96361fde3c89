// Entities of one type that the gateway fetched from their subgraph, kept in this process's
// memory and never served stale: every entry is keyed by the entity's generation as read before
// the fetch (shared/cache/entity-generations.ts). A change that commits while an entity is being
// fetched bumps its generation, so what that fetch stores is never read again; a change that
// committed before the read is in what the fetch returns. The TTL is only a safety net.
import type { CacheableFields, CachedEntityType } from '../../shared/cache/cached-entities';
import type { EntityGenerations } from '../../shared/cache/entity-generations';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../shared/logger';
import { selectsOnlyCacheableFields } from './cacheable-query';
import { cloneJson, entityIndexOf, remapEntityErrors, stableJson, type SubgraphResponse } from './representations';

/** A representation the cache understands: the entity's type and id, nothing else. */
export interface EntityReference {
  __typename: string;
  id: string;
}

export type LookupResult = 'hit' | 'miss' | 'bypass';

export interface EntityCacheOptions {
  type: CachedEntityType;
  fields: CacheableFields;
  generations: EntityGenerations;
  logger: Logger;
  maxEntries?: number;
  ttlMs?: number;
  /** Counts entities served from the cache, fetched, or fetched without it (generations unreadable). */
  onLookup?: (result: LookupResult, count: number) => void;
}

/** Distinct query texts remembered (the query planner produces a bounded set of them). */
const MAX_QUERIES = 1_000;
const WARNING_INTERVAL_MS = 60_000;

export class EntityCache {
  private readonly entries: LRUCache<string, object>;
  /** Per query text: a number naming it in keys, or null when it is not cacheable. */
  private readonly queries = new Map<string, number | null>();
  private nextQueryId = 1;
  private lastWarning = -Infinity;

  constructor(private readonly options: EntityCacheOptions) {
    this.entries = new LRUCache({ max: options.maxEntries ?? 10_000, ttl: options.ttlMs ?? 60_000 });
  }

  /** Whether this cache answers the fetch `query` of `representations`. */
  handles(query: string, representations: readonly unknown[]): representations is EntityReference[] {
    return representations.every((representation) => this.isReference(representation)) && this.queryId(query) !== null;
  }

  /**
   * Answers `representations` (distinct) from the cache where it can and through `fetch` for the
   * rest, as if `fetch` had been asked for all of them.
   */
  async fetch(
    query: string,
    variables: Record<string, unknown>,
    representations: EntityReference[],
    fetch: (representations: EntityReference[]) => Promise<SubgraphResponse>,
  ): Promise<SubgraphResponse> {
    const { type, onLookup } = this.options;
    const ids = representations.map((representation) => representation.id);
    let generations: string[];
    try {
      generations = await this.options.generations.read(type, ids);
    } catch (error) {
      this.warn(error);
      onLookup?.('bypass', ids.length);
      return fetch(representations);
    }
    const { representations: _, ...others } = variables;
    const scope = `${this.queryId(query)}|${stableJson(others)}`;
    const keys = ids.map((id, index) => `${scope}|${id}|${generations[index]}`);
    const entities: unknown[] = new Array(ids.length);
    const missing: number[] = [];
    keys.forEach((key, index) => {
      const cached = this.entries.get(key);
      // A copy: the gateway merges later fetches into the entities it receives.
      if (cached !== undefined) entities[index] = cloneJson(cached);
      else missing.push(index);
    });
    onLookup?.('hit', ids.length - missing.length);
    if (!missing.length) return { data: { _entities: entities } };
    onLookup?.('miss', missing.length);

    const response = await fetch(missing.map((index) => representations[index]!));
    const received: unknown = response.data?._entities;
    if (received != null && (!Array.isArray(received) || received.length !== missing.length)) return response;
    const fetched = (received as unknown[] | null | undefined) ?? [];
    const failed = new Set<number>();
    // An error about no entity in particular may concern any of them: then none is stored.
    let unattributed = false;
    for (const error of response.errors ?? []) {
      const index = entityIndexOf(error);
      if (index === undefined) unattributed = true;
      else failed.add(index);
    }
    missing.forEach((position, index) => {
      const entity = fetched[index] ?? null;
      entities[position] = entity;
      // Not null ones: an entity that does not exist yet (or no more) is not worth keeping.
      if (entity !== null && typeof entity === 'object' && !unattributed && !failed.has(index)) {
        this.entries.set(keys[position]!, cloneJson(entity));
      }
    });
    return {
      ...response,
      data: { ...response.data, _entities: entities },
      ...(response.errors && {
        errors: remapEntityErrors(response.errors, (index) => (index < missing.length ? [missing[index]!] : undefined)),
      }),
    };
  }

  private isReference(representation: unknown): representation is EntityReference {
    if (representation === null || typeof representation !== 'object') return false;
    const { __typename, id, ...rest } = representation as Partial<EntityReference>;
    return __typename === this.options.type && typeof id === 'string' && Object.keys(rest).length === 0;
  }

  private queryId(query: string): number | null {
    let id = this.queries.get(query);
    if (id === undefined) {
      // Forgotten ids are never reused, so entries stored under them are simply never read again.
      if (this.queries.size >= MAX_QUERIES) this.queries.clear();
      const { type, fields } = this.options;
      id = selectsOnlyCacheableFields(query, type, fields) ? this.nextQueryId++ : null;
      this.queries.set(query, id);
    }
    return id;
  }

  private warn(error: unknown): void {
    // Once a minute at most: while Redis is down every fetch comes here.
    if (Date.now() - this.lastWarning < WARNING_INTERVAL_MS) return;
    this.lastWarning = Date.now();
    this.options.logger.warn(
      { err: error, type: this.options.type },
      'entity generations unreadable: fetching without the entity cache',
    );
  }
}
