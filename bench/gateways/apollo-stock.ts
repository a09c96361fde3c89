// Stock @apollo/gateway for the benchmark: Apollo Server and Apollo Gateway with their default
// settings, started from the supergraph file (SUPERGRAPH_FILE) on PORT. The one addition is what
// the supergraph needs: the caller's identity header goes on to the subgraphs.
import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { IDENTITY_HEADER } from '../../shared/auth/internal-token';

interface Context {
  identity?: string;
}

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(process.env.SUPERGRAPH_FILE ?? '', 'utf8'),
  buildService: ({ url }) =>
    new RemoteGraphQLDataSource<Context>({
      url,
      willSendRequest: ({ request, context }) => {
        if (context.identity) request.http?.headers.set(IDENTITY_HEADER, context.identity);
      },
    }),
});

startStandaloneServer(new ApolloServer<Context>({ gateway }), {
  listen: { port: Number(process.env.PORT), host: '127.0.0.1' },
  context: async ({ req }) => ({ identity: req.headers[IDENTITY_HEADER] as string | undefined }),
}).then(
  ({ url }) => console.log(`stock Apollo Gateway at ${url}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
