// How the gateway fetches from a subgraph: Apollo's RemoteGraphQLDataSource, except that every
// `_entities` fetch sends each distinct representation once, and that fetches of a cached
// entity type (shared/cache/cached-entities.ts) go through its entity cache.
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { Counter, type Registry } from 'prom-client';
import { cachedEntityOf } from '../../shared/cache/cached-entities';
import type { EntityGenerations } from '../../shared/cache/entity-generations';
import type { Logger } from '../../shared/logger';
import { sharedMetric } from '../../shared/metrics';
import type { GatewayContext } from '../auth';
import { EntityCache, type LookupResult } from './entity-cache';
import { distinctRepresentations, spreadEntities, type SubgraphResponse } from './representations';

export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  /** For the subgraph that owns a cached entity type. `declare`: set by the base constructor. */
  declare readonly entityCache?: EntityCache;

  constructor(config: Partial<SubgraphDataSource> & ThisType<SubgraphDataSource>) {
    super(config);
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResponse> {
    const { request } = options;
    const representations: unknown = request.variables?.representations;
    // Only a client's operation carries its request context (not health checks or schema loads);
    // the enum naming those kinds is not part of @apollo/gateway's public API.
    if (!('incomingRequestContext' in options) || !Array.isArray(representations) || !request.query) {
      return super.process(options);
    }
    const entities = distinctRepresentations(representations);
    const { distinct } = entities;
    if (distinct.length === representations.length && !this.entityCache) return super.process(options);
    // A request of its own per fetch: process() fills in the request's HTTP part.
    const send = (subset: unknown[]) =>
      super.process({ ...options, request: { ...request, variables: { ...request.variables, representations: subset } } });
    const response = this.entityCache?.handles(request.query, distinct)
      ? await this.entityCache.fetch(request.query, request.variables ?? {}, distinct, send)
      : await send(distinct);
    return spreadEntities(response, entities);
  }
}

export interface EntityCacheDeps {
  /** Called only for a subgraph that owns a cached entity type. */
  generations: () => EntityGenerations;
  logger: Logger;
  registry: Registry;
}

/** The entity cache for the fetches to subgraph `name`; undefined when it owns no cached type. */
export function createEntityCache(name: string, { generations, logger, registry }: EntityCacheDeps): EntityCache | undefined {
  const owned = cachedEntityOf(name);
  if (!owned) return undefined;
  const lookups = entityCacheMetric(registry);
  return new EntityCache({
    type: owned.type,
    fields: owned.entity.fields,
    generations: generations(),
    logger,
    onLookup: (result: LookupResult, count: number) => lookups.inc({ type: owned.type, result }, count),
  });
}

function entityCacheMetric(registry: Registry): Counter<'type' | 'result'> {
  return sharedMetric(
    registry,
    'entity_cache_entities_total',
    (name) =>
      new Counter({
        name,
        help: 'Entities the gateway served from its entity cache (hit), fetched on a miss, or fetched without the cache because generations were unreadable (bypass).',
        labelNames: ['type', 'result'],
        registers: [registry],
      }),
  );
}
