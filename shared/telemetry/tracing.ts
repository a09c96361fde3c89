// OpenTelemetry tracing for one process: a trace per client operation, from the gateway's
// incoming request through Apollo Gateway's own spans (plan, fetch per subgraph), the HTTP call to
// each subgraph, that subgraph's server span and its database queries. Context crosses processes
// as a W3C `traceparent` header.
//
// Tracing runs only when an OTLP endpoint is configured (the standard OTEL_EXPORTER_OTLP_ENDPOINT
// or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT): spans that go nowhere are not worth their cost, which
// on Node 20 was measured at about a tenth of a simple query's throughput even with nothing
// recorded (context tracking across every promise, the http and undici hooks). Without it, logs
// still correlate a request across services by its request id. OTEL_SDK_DISABLED=true or
// OTEL_TRACES_EXPORTER=none turn it off with an endpoint set.
import { context, propagation, trace, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
// The OTEL_* variables declared in the registry: the SDK reads these and more on its own.
import { EnvReader } from '../env';

/** Requests no one traces: probes and scrapes, every few seconds, would drown the real traces. */
const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics']);

/** How long shutdown waits for the last spans to reach the collector. */
const FLUSH_TIMEOUT_MS = 5_000;

export interface TelemetryOptions {
  serviceName: string;
  env?: NodeJS.ProcessEnv;
  /** Replaces the OTLP exporter (tests): spans are recorded and handed to these processors. */
  spanProcessors?: SpanProcessor[];
}

let provider: NodeTracerProvider | undefined;
let stopInstrumentations: (() => void) | undefined;

/** Whether OTLP export is configured: the standard variables, unless the exporter is "none". */
export function exporterConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  const reader = new EnvReader(env);
  if (reader.string('OTEL_TRACES_EXPORTER') === 'none') return false;
  return Boolean(reader.string('OTEL_EXPORTER_OTLP_ENDPOINT') || reader.string('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'));
}

/**
 * Registers the tracer provider, propagator and instrumentations of this process (once). Must run
 * before `http` and `pg` are loaded by anyone else, which is why entry points import
 * ./register first. Returns false when tracing stays off (no exporter, or OTEL_SDK_DISABLED).
 */
export function startTelemetry({ serviceName, env = process.env, spanProcessors }: TelemetryOptions): boolean {
  if (provider) return true;
  if (new EnvReader(env).string('OTEL_SDK_DISABLED').toLowerCase() === 'true') return false;
  const exporting = spanProcessors !== undefined || exporterConfigured(env);
  if (!exporting) return false;
  provider = new NodeTracerProvider({
    // OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME win over the name the entry point gives.
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }).merge(detectResources({ detectors: [envDetector] })),
    // The SDK reads OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG (default parentbased_always_on).
    spanProcessors: spanProcessors ?? [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // W3C trace context and baggage; context kept across awaits by AsyncLocalStorage.
  provider.register();
  stopInstrumentations = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has(pathOf(request.url)),
        // Our calls to other services go through undici (traced below); Node's http client is
        // used only by the OTLP exporter itself.
        disableOutgoingRequestInstrumentation: true,
        // A GET /graphql carries its variables in the query string: never into a span.
        redactedQueryParamsServer: ['variables', 'extensions'],
      }),
      new UndiciInstrumentation(),
      // Only queries made while serving something traced: the outbox relay's polling and the
      // readiness probe's SELECT 1 would otherwise each start a trace of their own. Values bound
      // to statements are never recorded (enhancedDatabaseReporting stays off).
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
    ],
  });
  return true;
}

/** Whether this process traces (and so keeps a context across every await). */
export function tracingStarted(): boolean {
  return provider !== undefined;
}

/** Sends the spans not exported yet and stops tracing; bounded, and a no-op when never started. */
export async function shutdownTelemetry(timeoutMs = FLUSH_TIMEOUT_MS): Promise<void> {
  const stopping = provider;
  if (!stopping) return;
  provider = undefined;
  stopInstrumentations?.();
  stopInstrumentations = undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
    timer.unref();
  });
  // A collector that is down must not hold up the exit: what did not go in time is lost.
  await Promise.race([stopping.shutdown().catch(() => undefined), timeout]);
  clearTimeout(timer);
  // Back to the no-op API, so that a test can start tracing again in the same process.
  trace.disable();
  context.disable();
  propagation.disable();
}

/** Names the active (server) span after the GraphQL operation, when the client named it. */
export function nameOperationSpan(method: string, path: string, operationName: string): void {
  const span: Span | undefined = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  span.updateName(`${method} ${path} ${operationName}`);
  span.setAttribute('graphql.operation.name', operationName);
}

function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
