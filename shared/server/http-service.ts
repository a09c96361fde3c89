// The HTTP side every service shares: body limits, health and readiness, metrics, and JSON
// errors for requests that never reach GraphQL (too large, malformed).
import { AsyncResource } from 'node:async_hooks';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
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
 * instead of Express's HTML error page. Content-Encoding (RFC 9110, 8.4): body-parser decodes
 * gzip, deflate, br and (where Node has it) zstd; any other coding, or a list of codings, is 415
 * with Accept-Encoding naming the supported ones (15.5.16), and a body its coding cannot decode
 * is 400. BODY_LIMIT_BYTES applies to the decoded body, so a small compressed bomb is a 413.
 */
function jsonErrorHandler(logger: Logger): express.ErrorRequestHandler {
  return (error: { type?: string; status?: number; charset?: string }, req, res, _next) => {
    const encoding = contentEncoding(req);
    if (error.type === 'entity.too.large') {
      res.status(413).json(requestError('Request body is too large.', ErrorCode.PAYLOAD_TOO_LARGE));
    } else if (error.type === 'entity.parse.failed') {
      res.status(400).json(requestError('Request body is not valid JSON.', ErrorCode.BAD_REQUEST));
    } else if (error.type === 'encoding.unsupported') {
      res
        .status(415)
        .set('Accept-Encoding', DECODED_ENCODINGS.join(', '))
        .json(
          requestError(
            `Content-Encoding ${JSON.stringify(encoding)} is not supported; send the body as is or encoded with one of ${DECODED_ENCODINGS.join(', ')}.`,
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
          ),
        );
    } else if (error.type === 'charset.unsupported') {
      res
        .status(415)
        .json(
          requestError(
            `Charset ${JSON.stringify(error.charset)} is not supported; send UTF-8.`,
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
          ),
        );
    } else if (error.status !== undefined && error.status >= 400 && error.status < 500) {
      // Undecodable under its Content-Encoding, shorter or longer than its Content-Length, aborted.
      const message = encoding
        ? `Request body could not be decoded as ${JSON.stringify(encoding)}.`
        : 'Request body could not be read.';
      res.status(400).json(requestError(message, ErrorCode.BAD_REQUEST));
    } else {
      logger.error({ err: error }, 'unhandled HTTP error');
      res.status(500).json(requestError('Internal server error', ErrorCode.INTERNAL_SERVER_ERROR));
    }
  };
}

/** What body-parser 2 decodes: it reads zstd only where Node's zlib has it (22.15 and later). */
const DECODED_ENCODINGS = ['gzip', 'deflate', 'br', ...('createZstdDecompress' in zlib ? ['zstd'] : [])];

/** The request's Content-Encoding, lower-cased; undefined when absent or identity. */
function contentEncoding(req: express.Request): string | undefined {
  const value = req.headers['content-encoding']?.trim().toLowerCase();
  return value && value !== 'identity' ? value : undefined;
}

function requestError(message: string, code: ErrorCode) {
  return { errors: [{ message, extensions: { code } }] };
}
