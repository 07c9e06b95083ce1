// Imported first by main.ts: starts tracing (when OTEL_EXPORTER_OTLP_ENDPOINT is set) before the modules it
// instruments load. The router makes its own server span (it decides whose traceparent to believe), so the
// HTTP instrumentation only traces its outgoing subgraph calls.
import { startTracing } from '@clinic/service-kit/telemetry';

startTracing({ serviceName: process.env.OTEL_SERVICE_NAME ?? 'router', ignoreIncomingHttp: true });
