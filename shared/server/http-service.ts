// The HTTP side every service shares: body limits, health and readiness, metrics, and JSON
// errors for requests that never reach GraphQL (too large, malformed).
import { AsyncResource } from 'node:async_hooks';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApolloServer, BaseContext } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { ErrorCode } from '../errors';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { operationNaming, requestTelemetry } from '../telemetry/request-logging';
import { Lifecycle } from './lifecycle';

export interface HttpService {
  app: express.Express;
  httpServer: http.Server;
  /** Starting, migrating, serving or draining: /ready answers 200 only while serving. */
  lifecycle: Lifecycle;
  /** The service's metrics, served at /metrics. */
  metrics: Metrics;
  /** Starts listening; resolves with the port actually bound (PORT=0 picks a free one). */
  listen(port: number, host: string): Promise<number>;
}

export interface HttpServiceOptions {
  logger: Logger;
  metrics: Metrics;
  bodyLimitBytes: number;
  /** Throws when the service cannot serve (its database is unreachable, ...). */
  checkReady: () => Promise<void>;
}

export function createHttpService({ logger, metrics, bodyLimitBytes, checkReady }: HttpServiceOptions): HttpService {
  const app = express();
  app.disable('x-powered-by');
  // Before body parsing, so even a request refused for its body has a request id and a log line.
  app.use(requestTelemetry(logger));
  const parseJson = express.json({ limit: bodyLimitBytes });
  // The body arrives on socket events outside the request's async context: the rest of the chain
  // is resumed inside it, or its logs and spans would lose the request and trace ids.
  app.use((req, res, next) => parseJson(req, res, AsyncResource.bind(next)));
  app.use(operationNaming());

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const lifecycle = new Lifecycle();
  app.get('/ready', async (_req, res) => {
    if (lifecycle.phase !== 'serving') {
      res.status(503).json({ status: lifecycle.phase });
      return;
    }
    try {
      await checkReady();
      res.json({ status: 'ready' });
    } catch (error) {
      logger.warn({ err: error }, 'readiness check failed');
      res.status(503).json({ status: 'unavailable' });
    }
  });
  // A service listens before it serves (/health and /ready answer while migrations run); until
  // then GraphQL requests get a coded error rather than a 404.
  app.use('/graphql', (_req, res, next) => {
    if (lifecycle.accepting) next();
    else res.status(503).json(requestError(`Service is ${lifecycle.phase}.`, ErrorCode.SERVICE_UNAVAILABLE));
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  const httpServer = http.createServer(app);
  return {
    app,
    httpServer,
    lifecycle,
    metrics,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => resolve((httpServer.address() as AddressInfo).port));
      }),
  };
}

/**
 * Serves an Apollo Server at /graphql (after any `middleware`, such as CORS), with JSON errors
 * for requests that never reach GraphQL.
 */
export function mountGraphQL<TContext extends BaseContext>(
  service: HttpService,
  apollo: ApolloServer<TContext>,
  {
    context,
    middleware = [],
    logger,
  }: {
    context: (req: express.Request, res: express.Response) => Promise<TContext>;
    middleware?: express.RequestHandler[];
    logger: Logger;
  },
): void {
  service.app.use('/graphql', ...middleware, expressMiddleware(apollo, { context: ({ req, res }) => context(req, res) }));
  service.app.use(jsonErrorHandler(logger));
}

/**
 * Registered after the GraphQL route: turns body-parser failures into GraphQL-shaped errors
 * instead of Express's HTML error page.
 */
function jsonErrorHandler(logger: Logger): express.ErrorRequestHandler {
  return (error: { type?: string; status?: number }, _req, res, _next) => {
    if (error.type === 'entity.too.large') {
      res.status(413).json(requestError('Request body is too large.', 'PAYLOAD_TOO_LARGE'));
    } else if (error.type === 'entity.parse.failed') {
      res.status(400).json(requestError('Request body is not valid JSON.', 'BAD_REQUEST'));
    } else {
      logger.error({ err: error }, 'unhandled HTTP error');
      res.status(500).json(requestError('Internal server error', ErrorCode.INTERNAL_SERVER_ERROR));
    }
  };
}

function requestError(message: string, code: string) {
  return { errors: [{ message, extensions: { code } }] };
}
