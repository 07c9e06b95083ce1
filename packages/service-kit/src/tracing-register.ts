// Loaded first by the kit's index: starts tracing (when OTEL_EXPORTER_OTLP_ENDPOINT is set) before the rest
// of the kit loads, so every service that imports the kit is traced without code of its own.
// The service name: OTEL_SERVICE_NAME, else the subgraphs/<name>/ folder the process runs from.
import { startTracing } from './telemetry.ts';

const fromPath = /subgraphs[\\/]([^\\/]+)[\\/]/.exec(process.argv[1] ?? '')?.[1];
// No async context (see TracingOptions.asyncContext): requests hand their trace context on explicitly.
startTracing({ serviceName: process.env.OTEL_SERVICE_NAME ?? fromPath ?? 'clinic', asyncContext: false });
