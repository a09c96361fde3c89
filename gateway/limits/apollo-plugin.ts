// The query limits for operations that come over HTTP, checked once Apollo Server has parsed and
// validated the document and before the gateway plans it (didResolveOperation runs before
// execution, and an error thrown there becomes the whole response).
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { LimitMetrics } from './metrics';
import type { OperationLimits } from './operation-limits';

export function operationLimitsPlugin<TContext extends BaseContext>(
  limits: OperationLimits,
  metrics: LimitMetrics,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, schema, document, operation }) {
          // Operations without an HTTP request are the gateway's own (subscription resolutions,
          // operations over graphql-ws), checked when the client sent them.
          if (!request.http || !operation) return;
          const error =
            limits.checkDocument(schema, document)[0] ?? limits.checkCost(schema, document, operation, request.variables);
          if (!error) return;
          metrics.rejected(String(error.extensions.code));
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
