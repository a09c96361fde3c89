// Telemetry every service shares: traces (./tracing), request ids (./request-context) and request
// logging (./request-logging). Entry points start tracing by importing ./register first.
export { exporterConfigured, shutdownTelemetry, startTelemetry, type TelemetryOptions } from './tracing';
export { acceptRequestId, currentRequestId, REQUEST_ID_HEADER, runWithRequestId } from './request-context';
export { operationNaming, requestTelemetry } from './request-logging';
