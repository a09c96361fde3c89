// Service-to-service GraphQL over HTTP. A service asks another for entities through the same
// `_entities` field the gateway uses, so no extra API is exposed just for internal callers. The
// caller's identity goes along, so the service asked applies its own rules to it, as it would to
// the same question from the gateway.
import { GraphQLError } from 'graphql';
import { Viewer } from '../auth/identity';
import type { Registry } from 'prom-client';
import { identityHeaders, type InternalTokenConfig } from '../auth/internal-token';
import type { PeerCallConfig } from '../config';
import { serviceUnavailable } from '../errors';
import type { Logger } from '../logger';
import { post } from './http-client';
import { ServiceCalls } from './resilience';

export interface SubgraphClientOptions {
  /** Name of the service called, for error messages and logs. */
  service: string;
  url: string;
  /** Name of the calling service: the issuer of the identity it passes on. */
  caller: string;
  internal: InternalTokenConfig;
  logger: Logger;
  /** Timeout and circuit breaker of the calls. */
  calls: PeerCallConfig;
  /** Where call metrics go (subgraph_fetch_*). */
  registry?: Registry;
}

interface GraphQLResponseBody<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export class SubgraphClient {
  private readonly policy: ServiceCalls;

  constructor(private readonly options: SubgraphClientOptions) {
    const { service, calls, logger, registry } = options;
    this.policy = new ServiceCalls({ service, breaker: calls.breaker, logger, registry });
  }

  /**
   * Runs a query (only queries: they may be retried); network failures, timeouts, an open
   * circuit and GraphQL errors become SERVICE_UNAVAILABLE.
   */
  async request<T>(query: string, variables: Record<string, unknown> = {}, viewer = Viewer.anonymous): Promise<T> {
    const { service, url, caller, internal, logger, calls } = this.options;
    const response = await this.policy.run(
      () =>
        post(url, {
          headers: { 'content-type': 'application/json', ...identityHeaders(viewer, caller, internal) },
          body: JSON.stringify({ query, variables }),
          timeoutMs: calls.timeoutMs,
        }),
      { idempotent: () => true },
    );
    let body: GraphQLResponseBody<T>;
    try {
      body = (await response.json()) as GraphQLResponseBody<T>;
    } catch (error) {
      logger.warn({ err: error, service, url }, 'service answered with a body that is not JSON');
      throw serviceUnavailable(service, 'invalid response');
    }
    if (body.errors?.length || !body.data) {
      logger.warn({ service, errors: body.errors }, 'service answered with errors');
      throw serviceUnavailable(service, body.errors?.[0]?.message ?? 'empty response');
    }
    return body.data;
  }

  /**
   * Fetches entities of one type by id through `_entities`, in one request. Returns one entry
   * per id, in order, null where the service has no such entity or `viewer` may not see it.
   */
  async entities<T>(
    typename: string,
    ids: readonly string[],
    selection: string,
    viewer = Viewer.anonymous,
  ): Promise<(T | null)[]> {
    if (!ids.length) return [];
    if (!/^[A-Za-z_]\w*$/.test(typename)) throw new GraphQLError(`invalid type name ${typename}`);
    const data = await this.request<{ _entities: (T | null)[] }>(
      `query Entities($representations: [_Any!]!) { _entities(representations: $representations) { ... on ${typename} { ${selection} } } }`,
      { representations: ids.map((id) => ({ __typename: typename, id })) },
      viewer,
    );
    return data._entities;
  }
}
