// Apollo Client for the storefront: one origin (the page's own, whose /graphql is the gateway),
// queries and mutations over HTTP, subscriptions over graphql-ws (live.ts).
//
// Links, in order: a request refused with 401 (an access token expired or revoked between the
// check and the request) is retried once after a refresh; the access token is attached, refreshed
// first when it is about to expire; then HTTP or the WebSocket.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, type StoreObject } from '@apollo/client';
import { ServerError } from '@apollo/client/errors';
import { SetContextLink } from '@apollo/client/link/context';
import { ErrorLink } from '@apollo/client/link/error';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { isSubscriptionOperation, relayStylePagination } from '@apollo/client/utilities';
import { from, mergeMap, throwError } from 'rxjs';
import { auth } from './auth';
import { GRAPHQL_PATH } from './graphql-fetch';
import { wsClient } from './live';

interface AuthContext {
  /** The access token this attempt sent. */
  sentToken?: string;
  retried?: boolean;
}

const retryAfterRefresh = new ErrorLink(({ error, operation, forward }) => {
  const { sentToken, retried } = operation.getContext() as AuthContext;
  if (!ServerError.is(error) || error.statusCode !== 401 || !sentToken || retried) return;
  return from(auth.recover(sentToken)).pipe(
    mergeMap((recovered) => {
      if (!recovered) return throwError(() => error);
      operation.setContext({ retried: true } satisfies AuthContext);
      return forward(operation);
    }),
  );
});

const attachToken = new SetContextLink(async (context) => {
  const token = await auth.accessToken();
  if (!token) return {};
  return {
    headers: { ...(context.headers as Record<string, string> | undefined), authorization: `Bearer ${token}` },
    sentToken: token,
  };
});

const transport = ApolloLink.split(
  ({ query }) => isSubscriptionOperation(query),
  new GraphQLWsLink(wsClient),
  new HttpLink({ uri: GRAPHQL_PATH }),
);

export const client = new ApolloClient({
  link: ApolloLink.from([retryAfterRefresh, attachToken, transport]),
  cache: new InMemoryCache({
    typePolicies: {
      Query: {
        fields: {
          // "Load more": pages of one filter are appended to each other; another filter is another list.
          products: relayStylePagination(['filter']),
          orders: relayStylePagination(['filter']),
        },
      },
      Order: {
        // An order arrives from queries, mutations and every status change; an answer resolved
        // before a later change (a slow query) never rolls the page back: the newer version wins
        // the fields both hold.
        merge(existing: StoreObject | undefined, incoming: StoreObject, { readField, mergeObjects }) {
          if (!existing) return incoming;
          const before = readField<number>('version', existing);
          const after = readField<number>('version', incoming);
          const stale = typeof before === 'number' && typeof after === 'number' && after < before;
          return stale ? mergeObjects(incoming, existing) : mergeObjects(existing, incoming);
        },
        fields: { statusHistory: { merge: false } },
      },
    },
  }),
});
