// Imported first by main.ts: starts tracing (when OTEL_EXPORTER_OTLP_ENDPOINT is set) before the modules it
// instruments load. The router makes its own server span (it decides whose traceparent to believe) and a client
// span per subgraph call (gateway.ts), so it loads no HTTP instrumentation. It passes the request's trace
// context on explicitly (RouterContext.traceContext), so it needs no AsyncLocalStorage, whose promise hooks
// would cost every request, sampled or not; without it its Redis calls (rate-limit sync, revocations) make no spans.
import { startTracing } from '@clinic/service-kit/telemetry';

startTracing({ serviceName: process.env.OTEL_SERVICE_NAME ?? 'router', outgoingHttp: false, asyncContext: false });
