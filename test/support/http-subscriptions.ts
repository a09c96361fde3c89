// Subscription clients over HTTP, as real apps use them: Apollo Client 4 with only an HttpLink
// (Apollo's multipart protocol) and the graphql-sse client (both of its modes). Each resolves once
// the gateway has registered the subscription: the gateway answers a subscription request (its
// headers, or 202 on a reserved stream) only after the hub took it.
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { createClient } from 'graphql-sse';
import type { Endpoint } from './graphql';
import { recorder, type TestSubscription } from './subscriptions';

/** A fetch that reports the first response to a POST, which for these clients is the subscribe. */
function watchedFetch(): { fetch: typeof fetch; answered: Promise<Response> } {
  let answer: (response: Response) => void = () => {};
  const answered = new Promise<Response>((resolve) => (answer = resolve));
  return {
    answered,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method === 'POST') answer(response);
      return response;
    },
  };
}

/** Subscribes with Apollo Client 4 over its HttpLink alone (multipart subscriptions). */
export async function subscribeOverMultipart(
  target: Endpoint,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<TestSubscription> {
  const { fetch, answered } = watchedFetch();
  const client = new ApolloClient({
    link: new HttpLink({ uri: target.url, headers: target.headers, fetch }),
    cache: new InMemoryCache(),
  });
  const { sink, subscription } = recorder();
  const observed = client.subscribe({ query: gql(query), variables }).subscribe({
    next: ({ data, error }) => {
      const errors = error && 'errors' in error ? (error.errors as TestResultErrors) : undefined;
      sink.next({ data: (data ?? null) as Record<string, unknown> | null, ...(errors && { errors }) });
      if (error && !errors) sink.error(error);
    },
    error: (error) => sink.error(error),
    complete: () => sink.complete(),
  });
  await Promise.race([answered, subscription.ended]);
  const close = async () => {
    observed.unsubscribe();
    client.stop();
  };
  return { ...subscription, complete: close, close };
}

type TestResultErrors = readonly { message: string; extensions?: Record<string, unknown> }[];

/** Subscribes with the graphql-sse client, on a stream of its own or on one shared connection. */
export async function subscribeOverSse(
  target: Endpoint,
  query: string,
  variables: Record<string, unknown> = {},
  { singleConnection = false }: { singleConnection?: boolean } = {},
): Promise<TestSubscription> {
  const { fetch, answered } = watchedFetch();
  const client = createClient({
    url: target.url,
    headers: target.headers ?? {},
    fetchFn: fetch,
    singleConnection,
    retryAttempts: 0,
  });
  const { sink, subscription } = recorder();
  const unsubscribe = client.subscribe({ query, variables }, sink);
  await Promise.race([answered, subscription.ended]);
  const close = async () => {
    unsubscribe();
    client.dispose();
  };
  return { ...subscription, complete: close, close };
}
