// Service-to-service GraphQL over HTTP. A service asks another for entities through the same
// `_entities` field the gateway uses, so no extra API is exposed just for internal callers. The
// caller's identity goes along, so the service asked applies its own rules to it, as it would to
// the same question from the gateway. The questions are typed documents: `.graphql` files beside
// their callers, checked against the called subgraph's schema by `npm run codegen`, which also
// writes the types of their results.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Kind, print, type DocumentNode } from 'graphql';
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

/** What these callers send as a representation (`_Any`): an entity's type and id. */
export interface EntityRepresentation {
  __typename: string;
  id: string;
}

/** The result of an `_entities` query. */
interface EntitiesResult {
  _entities: readonly unknown[];
}

/**
 * One entity an `_entities` query answers: the fields its fragment selects. The other members of
 * the `_Entity` union, empty objects in the generated type, never come back: every representation
 * sent is of the fragment's type.
 */
export type EntityOf<TResult extends EntitiesResult> = Exclude<TResult['_entities'][number], Record<PropertyKey, never> | null>;

// Documents are module constants: each is printed once, not on every call.
const printed = new WeakMap<DocumentNode, string>();

function queryText(document: DocumentNode): string {
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document);
    printed.set(document, text);
  }
  return text;
}

/** The type an `_entities` query asks for: the type condition of its one fragment. */
function entityType(document: DocumentNode): string {
  const [operation] = document.definitions;
  const [entities] = operation?.kind === Kind.OPERATION_DEFINITION ? operation.selectionSet.selections : [];
  const fragments = entities?.kind === Kind.FIELD && entities.name.value === '_entities' ? entities.selectionSet?.selections : [];
  const [fragment, ...others] = fragments ?? [];
  if (fragment?.kind !== Kind.INLINE_FRAGMENT || !fragment.typeCondition || others.length) {
    throw new Error('An entities query selects `_entities(representations: $representations) { ... on Type { ... } }`.');
  }
  return fragment.typeCondition.name.value;
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
  async request<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables: TVariables,
    viewer = Viewer.anonymous,
  ): Promise<TResult> {
    const { service, url, caller, internal, logger, calls } = this.options;
    const response = await this.policy.run(
      () =>
        post(url, {
          headers: { 'content-type': 'application/json', ...identityHeaders(viewer, caller, internal) },
          body: JSON.stringify({ query: queryText(document), variables }),
          timeoutMs: calls.timeoutMs,
        }),
      { idempotent: () => true },
    );
    let body: GraphQLResponseBody<TResult>;
    try {
      body = (await response.json()) as GraphQLResponseBody<TResult>;
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
   * Fetches entities by id through `_entities`, in one request: `document` selects fields on one
   * type, whose name the representations carry. Returns one entry per id, in order, null where
   * the service has no such entity or `viewer` may not see it.
   */
  async entities<TResult extends EntitiesResult>(
    document: TypedDocumentNode<TResult, { representations: EntityRepresentation[] }>,
    ids: readonly string[],
    viewer = Viewer.anonymous,
  ): Promise<(EntityOf<TResult> | null)[]> {
    if (!ids.length) return [];
    const typename = entityType(document);
    const representations = ids.map((id) => ({ __typename: typename, id }));
    const data = await this.request(document, { representations }, viewer);
    return data._entities as (EntityOf<TResult> | null)[];
  }
}
