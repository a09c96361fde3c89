// Distributed tracing end to end: the gateway and subgraph processes export OTLP/HTTP to a
// receiver in this test, and one client operation must come back as one trace spanning the
// gateway, each subgraph it fetched from and their database queries. Then, in this process with
// an in-memory exporter, that our HTTP client and our HTTP shell pass a trace (and a request id)
// from caller to callee.
import { randomBytes } from 'node:crypto';
import { SpanKind, trace } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { post } from '../../../shared/http/http-client';
import { createLogger } from '../../../shared/logger';
import { createMetrics } from '../../../shared/metrics';
import { createHttpService } from '../../../shared/server/http-service';
import * as telemetry from '../../../shared/telemetry';
import { createTestDatabases, type TestDatabases } from '../../support/databases';
import { pollUntil } from '../../support/poll';
import { ok } from '../../support/graphql';
import { describeSpans, SPAN_KIND, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../support/otlp-receiver';
import { describeWithServers } from '../../support/requirements';
import { startStack, type Stack } from '../../support/stack';
import { createBuyer, createProduct, placeOrder } from '../helpers';

const USERS_WITH_ORDERS = {
  operationName: 'UsersWithOrders',
  query: `query UsersWithOrders {
    users(first: 5) {
      edges { node { name orders { status items { quantity product { name } } payment { status } } } }
    }
  }`,
};

const isPgQuery = (span: ReceivedSpan) =>
  span.kind === SPAN_KIND.client && (span.attributes['db.system.name'] ?? span.attributes['db.system']) === 'postgresql';

// Processes of their own (the stack in one process names every span "supergraph") and a
// PostgreSQL server (embedded databases make no pg query spans).
describeWithServers('distributed tracing across processes', () => {
  let receiver: OtlpReceiver;
  let databases: TestDatabases;
  let stack: Stack;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    databases = await createTestDatabases();
    stack = await startStack(databases, {
      // Spans leave each process within 50 ms of ending, instead of the default 5 s.
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '50' },
    });
    const buyer = await createBuyer(stack.admin);
    await placeOrder(stack.admin, buyer, await createProduct(stack.admin));
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await databases?.drop();
    await receiver?.close();
  });

  /** The spans of the trace whose gateway server span was named after `operationName`. */
  async function traceOf(operationName: string, expected: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> {
    const root = (spans: ReceivedSpan[]) =>
      spans.find(
        (span) =>
          span.kind === SPAN_KIND.server &&
          span.attributes['graphql.operation.name'] === operationName &&
          span.name.startsWith('POST'),
      );
    let trace: ReceivedSpan[] = [];
    await receiver.waitFor((spans) => {
      const server = root(spans);
      trace = server ? spans.filter((span) => span.traceId === server.traceId) : [];
      return trace.length > 0 && expected(trace);
    });
    return trace;
  }

  /** Every subgraph server span, its parent span and its database queries. */
  function complete(trace: ReceivedSpan[]): boolean {
    const servers = trace.filter((span) => span.kind === SPAN_KIND.server && span.service !== 'gateway');
    const services = new Set(servers.map((span) => span.service));
    const parentsArrived = servers.every((server) => trace.some((span) => span.spanId === server.parentSpanId));
    // Not product: the gateway's entity cache may answer for it without a fetch.
    return ['user', 'order', 'payment'].every((name) => services.has(name)) && parentsArrived && trace.some(isPgQuery);
  }

  it('should record one trace across the gateway, each subgraph fetched and their database queries', async () => {
    await ok(stack.admin, USERS_WITH_ORDERS);
    const trace = await traceOf('UsersWithOrders', complete).catch((error: Error) => {
      throw new Error(`${error.message}\nall spans:\n${describeSpans(receiver.spans())}`);
    });
    const byId = new Map(trace.map((span) => [span.spanId, span]));
    const parentOf = (span: ReceivedSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);
    const ancestors = (span: ReceivedSpan) => {
      const chain: ReceivedSpan[] = [];
      for (let parent = parentOf(span); parent; parent = parentOf(parent)) chain.push(parent);
      return chain;
    };

    // The gateway: its HTTP server span is the root, Apollo Gateway's own spans hang below it.
    const gatewayServer = trace.find((span) => span.service === 'gateway' && span.kind === SPAN_KIND.server);
    expect(gatewayServer).toBeDefined();
    expect(gatewayServer!.parentSpanId).toBeUndefined();
    expect(gatewayServer!.name).toBe('POST /graphql UsersWithOrders');
    const request = trace.find((span) => span.name === 'gateway.request');
    expect(request && ancestors(request)).toContain(gatewayServer);
    expect(trace.filter((span) => span.name === 'gateway.fetch').length).toBeGreaterThanOrEqual(3);

    // Each subgraph's server span continues the gateway's HTTP call made for one gateway.fetch.
    const subgraphServers = trace.filter((span) => span.kind === SPAN_KIND.server && span.service !== 'gateway');
    expect([...new Set(subgraphServers.map((span) => span.service))].sort()).toEqual(
      expect.arrayContaining(['order', 'payment', 'user']),
    );
    for (const server of subgraphServers) {
      const call = parentOf(server);
      expect({ server: server.name, call: call && { service: call.service, kind: call.kind } }).toEqual({
        server: server.name,
        call: { service: 'gateway', kind: SPAN_KIND.client },
      });
      expect(parentOf(call!)?.name).toBe('gateway.fetch');
      expect(ancestors(call!)).toContain(request);
    }

    // Database queries are children of the serving subgraph's spans, statements without values.
    const queries = trace.filter(isPgQuery);
    expect(queries.length).toBeGreaterThan(0);
    for (const query of queries) {
      const server = ancestors(query).find((span) => span.kind === SPAN_KIND.server);
      expect({ query: query.name, server: server?.service }).toEqual({ query: query.name, server: query.service });
    }
    expect(trace.map((span) => span.name)).toContain('gateway.plan');
  });

  it('should continue a trace the client started with a traceparent header', async () => {
    const traceId = randomBytes(16).toString('hex');
    const parentId = randomBytes(8).toString('hex');
    await ok(stack.admin, USERS_WITH_ORDERS, {}, { traceparent: `00-${traceId}-${parentId}-01` });

    const spans = await receiver
      .waitFor((all) => {
        const trace = all.filter((span) => span.traceId === traceId);
        return trace.some((span) => span.service === 'gateway' && span.kind === SPAN_KIND.server) && complete(trace);
      })
      .catch(() => {
        throw new Error(`trace ${traceId}:\n${describeSpans(receiver.spans().filter((span) => span.traceId === traceId))}`);
      });
    const gatewayServer = spans.find(
      (span) => span.traceId === traceId && span.service === 'gateway' && span.kind === SPAN_KIND.server,
    );
    expect(gatewayServer?.parentSpanId).toBe(parentId);
  });

  it('should leave probes and scrapes untraced', async () => {
    const { port } = new URL(stack.gatewayUrl);
    for (const path of ['/health', '/ready', '/metrics']) await fetch(`http://127.0.0.1:${port}${path}`);
    // A traced request after the probes: once its span is in, the probes' would be too.
    await ok(stack.admin, { operationName: 'AfterProbes', query: 'query AfterProbes { __typename }' });
    const spans = await receiver.waitFor((all) =>
      all.some((span) => span.attributes['graphql.operation.name'] === 'AfterProbes'),
    );
    const probed = spans.filter((span) => {
      const target = span.attributes['http.target'] ?? span.attributes['url.path'];
      return typeof target === 'string' && /\/(health|ready|metrics)\b/.test(target);
    });
    expect(probed).toEqual([]);
  });
});

describe('trace and request id propagation in one process', () => {
  it('should give our HTTP client call and the receiving service the same trace and request id', async () => {
    const exporter = new InMemorySpanExporter();
    expect(telemetry.startTelemetry({ serviceName: 'test', spanProcessors: [new SimpleSpanProcessor(exporter)] })).toBe(true);
    // Jest loads modules through its own registry, which require hooks never see: the incoming
    // side of Node's http module is patched by hand here, as the hook does in a service process.
    // Our calls go through undici, whose instrumentation listens on diagnostics channels and
    // needs no hook.
    const httpInstrumentation = new HttpInstrumentation({ disableOutgoingRequestInstrumentation: true });
    const nodeHttp: unknown = require('node:http');
    const httpDefinition = httpInstrumentation.getModuleDefinitions().find((definition) => definition.name === 'http')!;
    httpDefinition.patch?.(nodeHttp);
    try {
      const service = createHttpService({
        logger: createLogger('callee', 'silent'),
        metrics: createMetrics('callee'),
        bodyLimitBytes: 10_000,
        checkReady: async () => {},
      });
      let seen: { traceparent?: string; requestId?: string; activeTrace?: string } = {};
      service.app.post('/echo', (req, res) => {
        seen = {
          traceparent: req.headers.traceparent as string | undefined,
          requestId: telemetry.currentRequestId(),
          activeTrace: trace.getActiveSpan()?.spanContext().traceId,
        };
        res.json({ ok: true });
      });
      const port = await service.listen(0, '127.0.0.1');
      try {
        const requestId = `req-${randomBytes(4).toString('hex')}`;
        // The caller: serving request `requestId` inside a span of its own, it calls another service.
        const reply = await trace.getTracer('test').startActiveSpan('caller', async (span) => {
          try {
            return await telemetry.runWithRequestId(requestId, () =>
              post(`http://127.0.0.1:${port}/echo`, {
                headers: { 'content-type': 'application/json' },
                body: '{}',
                timeoutMs: 5_000,
              }),
            );
          } finally {
            span.end();
          }
        });
        await reply.text();
        // The server span ends as the response finishes, which may be just after the client read it.
        const spans = await waitForSpans(exporter, (all) => all.some((span) => span.kind === SpanKind.SERVER));
        const caller = spans.find((span) => span.name === 'caller');
        const client = spans.find((span) => span.kind === SpanKind.CLIENT);
        const server = spans.find((span) => span.kind === SpanKind.SERVER);
        const traceId = caller?.spanContext().traceId;
        expect(traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(client?.spanContext().traceId).toBe(traceId);
        expect(client?.parentSpanContext?.spanId).toBe(caller?.spanContext().spanId);
        expect(server?.spanContext().traceId).toBe(traceId);
        expect(server?.parentSpanContext?.spanId).toBe(client?.spanContext().spanId);
        expect(seen.traceparent).toBe(`00-${traceId}-${client?.spanContext().spanId}-01`);
        expect(seen.activeTrace).toBe(traceId);
        // The request id went along, was adopted by the callee and came back in its answer.
        expect(seen.requestId).toBe(requestId);
        expect(reply.headers.get('x-request-id')).toBe(requestId);
      } finally {
        await new Promise((resolve) => service.httpServer.close(resolve));
      }
    } finally {
      httpDefinition.unpatch?.(nodeHttp);
      await telemetry.shutdownTelemetry();
    }
  });
});

async function waitForSpans<T>(
  exporter: { getFinishedSpans(): T[] },
  done: (spans: T[]) => boolean,
  timeoutMs = 5_000,
): Promise<T[]> {
  const spans = await pollUntil(() => exporter.getFinishedSpans(), done, { timeoutMs, intervalMs: 0 });
  if (!done(spans)) throw new Error(`spans did not arrive within ${timeoutMs} ms`);
  return spans;
}
