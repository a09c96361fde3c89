// The query limits for operations that come over HTTP, checked once Apollo Server has parsed and
// validated the document and before anything plans or runs it (didResolveOperation runs before
// execution, and an error thrown there becomes the whole response). The gateway and every
// subgraph install it, each with its own limits.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { OperationLimits } from './operation-limits';
import type { LimitRejections } from './rejections';

export function operationLimitsPlugin<TContext extends BaseContext>(
  limits: OperationLimits,
  rejections: LimitRejections,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, schema, document, operation }) {
          // Operations without an HTTP request are the server's own (the gateway's subscription
          // resolutions, operations over graphql-ws), checked when the client sent them.
          if (!request.http || !operation) return;
          const error =
            limits.checkDocument(schema, document)[0] ?? limits.checkCost(schema, document, operation, request.variables);
          if (!error) return;
          rejections.rejected(String(error.extensions.code));
          throw badRequest(error);
        },
      };
    },
  };
}

/** The same error, answered with HTTP 400 (Apollo Server reads the status from `extensions.http`). */
function badRequest(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 400 } } });
}
