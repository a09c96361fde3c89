// A bare GraphQL POST, for the token refresh and logout: they must not pass through Apollo
// Client's links, whose authentication step waits for the very refresh they perform.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { GraphQLResponseError } from '../lib/errors';

export const GRAPHQL_PATH = '/graphql';

export async function postGraphQL<TData, TVariables>(
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
): Promise<TData> {
  const response = await fetch(GRAPHQL_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query: print(document), variables }),
  });
  let body: { data?: TData | null; errors?: { message?: unknown; extensions?: Record<string, unknown> }[] };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw GraphQLResponseError.fromBody({}, response.status);
  }
  if (body.errors?.length || !body.data) throw GraphQLResponseError.fromBody(body, response.status);
  return body.data;
}
