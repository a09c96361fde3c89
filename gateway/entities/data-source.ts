// How the gateway fetches from a subgraph: Apollo's RemoteGraphQLDataSource, except that every
// `_entities` fetch sends each distinct representation once, that fetches of a cached entity type
// (shared/cache/cached-entities.ts) go through its entity cache, and that a subgraph's GraphQL
// answer is its response whatever its HTTP status.
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { Counter, type Registry } from 'prom-client';
import { cachedEntityOf } from '../../shared/cache/cached-entities';
import type { EntityGenerations } from '../../shared/cache/entity-generations';
import { serviceUnavailable } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { sharedMetric } from '../../shared/metrics';
import type { GatewayContext } from '../auth';
import { EntityCache, type LookupResult } from './entity-cache';
import { distinctRepresentations, spreadEntities, type SubgraphResponse } from './representations';

type HttpAnswer = Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0];

export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  /** The subgraph's name, for errors and logs. `declare`: set by the base constructor. */
  declare readonly service: string;
  declare readonly logger: Logger;
  /** For the subgraph that owns a cached entity type. */
  declare readonly entityCache?: EntityCache;

  constructor(
    config: Partial<SubgraphDataSource> & Pick<SubgraphDataSource, 'service' | 'logger'> & ThisType<SubgraphDataSource>,
  ) {
    super(config);
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResponse> {
    const { request } = options;
    const representations: unknown = request.variables?.representations;
    // Only a client's operation carries its request context (not health checks or schema loads);
    // the enum naming those kinds is not part of @apollo/gateway's public API.
    if (!('incomingRequestContext' in options) || !Array.isArray(representations) || !request.query) {
      return this.fetchAnswer(options);
    }
    const entities = distinctRepresentations(representations);
    const { distinct } = entities;
    if (distinct.length === representations.length && !this.entityCache) return this.fetchAnswer(options);
    // A request of its own per fetch: process() fills in the request's HTTP part.
    const send = (subset: unknown[]) =>
      this.fetchAnswer({ ...options, request: { ...request, variables: { ...request.variables, representations: subset } } });
    const response = this.entityCache?.handles(request.query, distinct)
      ? await this.entityCache.fetch(request.query, request.variables ?? {}, distinct, send)
      : await send(distinct);
    return spreadEntities(response, entities);
  }

  /**
   * A subgraph answers some errors with a 4xx status and a GraphQL body (Apollo Server takes the
   * status from the error: 401 for UNAUTHENTICATED, 400 for bad input). That body is the
   * subgraph's response, so its errors join the gateway's with their own message and code, as
   * those of a 200 answer do; Apollo's own handling would replace them by "401: 401" carrying the
   * subgraph's URL and raw body. A 5xx never gets here: the call policy (ServiceCalls) makes it
   * SERVICE_UNAVAILABLE.
   */
  override async errorFromResponse(answer: HttpAnswer): Promise<GraphQLError> {
    const text = await answer.text().catch(() => '');
    const body = graphQLBody(answer.headers.get('content-type'), text);
    if (body) return new SubgraphAnswer(body);
    this.logger.warn(
      { service: this.service, status: answer.status, content_type: answer.headers.get('content-type') },
      'subgraph answered an error status without a GraphQL body',
    );
    return serviceUnavailable(this.service, `answered HTTP ${answer.status}`);
  }

  /** Apollo's fetch, with a GraphQL answer of any status as the response (see errorFromResponse). */
  private async fetchAnswer(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResponse> {
    try {
      return await super.process(options);
    } catch (error) {
      if (!(error instanceof SubgraphAnswer)) throw error;
      return error.response;
    }
  }
}

/** Carries a subgraph's GraphQL answer out of Apollo's fetch, which throws on a non-2xx status. */
class SubgraphAnswer extends GraphQLError {
  constructor(readonly response: SubgraphResponse) {
    super('subgraph answered with an error status');
  }
}

/** `{ errors: [...], data? }` when `text` is a GraphQL response in JSON, else undefined. */
function graphQLBody(contentType: string | null, text: string): SubgraphResponse | undefined {
  if (!contentType || !/^application\/(graphql-response\+)?json\b/.test(contentType)) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { errors, data } = body as { errors?: unknown; data?: unknown };
  const valid = (error: unknown) => typeof (error as { message?: unknown } | null)?.message === 'string';
  if (!Array.isArray(errors) || errors.length === 0 || !errors.every(valid)) return undefined;
  return {
    errors: errors as GraphQLFormattedError[],
    ...(typeof data === 'object' && { data: data as SubgraphResponse['data'] }),
  };
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
