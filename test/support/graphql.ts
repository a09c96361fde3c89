// A bare GraphQL-over-HTTP client for tests: what any frontend sends, nothing more.
export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; [key: string]: unknown } }[];
}

/** Where a request goes, and the headers it carries (an identity; see auth.ts). */
export interface Endpoint {
  url: string;
  readonly headers?: Record<string, string>;
}

/** An operation's text, or a document of several with the name of the one to run. */
export type Operation = string | { query: string; operationName: string };

// any: tests read arbitrary shapes out of responses; the assertions check them.
export async function graphql<T = Record<string, any>>(
  target: string | Endpoint,
  query: Operation,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const { url, headers: identity = {} } = typeof target === 'string' ? { url: target } : target;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...identity, ...headers },
    body: JSON.stringify(typeof query === 'string' ? { query, variables } : { ...query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status'>;
  return { status: response.status, ...body };
}

/** The data of a response that must have succeeded; fails the test with the errors otherwise. */
export async function ok<T = Record<string, any>>(
  url: string | Endpoint,
  query: Operation,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<T> {
  const response = await graphql<T>(url, query, variables, headers);
  if (response.errors?.length || !response.data) {
    throw new Error(`GraphQL request failed (${response.status}): ${JSON.stringify(response.errors)}`);
  }
  return response.data;
}

/** The codes of a response's errors, for asserting on failures. */
export function errorCodes(response: GraphQLResponse): (string | undefined)[] {
  return (response.errors ?? []).map((error) => error.extensions?.code);
}
