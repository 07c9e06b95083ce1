// OpenTelemetry tracing for every service: one trace per client request, from the router through each
// subgraph call (HTTP instrumentation injects and extracts W3C `traceparent`) to PostgreSQL (pg) and Redis
// (ioredis), continued through the outbox and BullMQ jobs (the event carries its trace context).
// Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (or a test hands in an exporter). Instrumentations patch
// modules as they are loaded, so a service's main calls startTracing before it loads the rest.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { context, propagation, trace, SpanKind, SpanStatusCode, ROOT_CONTEXT, type Context, type Span } from '@opentelemetry/api';

const TRACER = 'clinic';
export const TRACEPARENT_HEADER = 'traceparent';

export interface TracingOptions {
  serviceName: string;
  env?: Record<string, string | undefined>;
  /** Tests: spans go here (synchronously) instead of OTLP. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  exporter?: any;
  /** How spans reach `exporter`: `simple` (one by one, default for tests) or `batch` (as production does with OTLP; benchmarks). */
  processor?: 'simple' | 'batch';
  /**
   * Router: its server span is made by the router itself, which decides whom to believe a traceparent
   * from; `true` leaves every incoming request to the caller (a function: the requests it picks).
   */
  ignoreIncomingHttp?: boolean | ((req: IncomingMessage) => boolean);
}

let running: Tracing | null = null;

export interface Tracing {
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Starts tracing when configured; returns null when it stays off. Call once per process, first. */
export function startTracing(opts: TracingOptions): Tracing | null {
  const env = opts.env ?? process.env;
  if (!opts.exporter && !env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return null;
  // The first call wins (a service's own entry point before the kit's automatic one).
  if (running) return running;
  // Loaded lazily: with tracing off, none of the SDK is loaded.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { IORedisInstrumentation } = require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');
  /* eslint-enable @typescript-eslint/no-require-imports */
  let processor;
  if (opts.exporter) {
    processor = opts.processor === 'batch' ? new BatchSpanProcessor(opts.exporter) : new SimpleSpanProcessor(opts.exporter);
  } else {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    processor = new BatchSpanProcessor(new OTLPTraceExporter());
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? opts.serviceName }),
    spanProcessors: [processor],
    sampler: clinicSampler(env),
  });
  // Registers the AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  // What it costs is kept small: only http, pg and ioredis are instrumented (no fs/dns/net, no per-resolver
  // spans); calls made outside a request (BullMQ's and the outbox relay's polling, key refreshes, pool
  // connects) make no spans; the router, which makes its own server span, leaves incoming HTTP unpatched.
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        disableIncomingRequestInstrumentation: opts.ignoreIncomingHttp === true,
        requireParentforOutgoingSpans: true,
        ignoreIncomingRequestHook: (req) =>
          /^\/(health|ready|metrics)\b/.test(req.url ?? '') ||
          (typeof opts.ignoreIncomingHttp === 'function' ? opts.ignoreIncomingHttp(req as IncomingMessage) : opts.ignoreIncomingHttp === true),
      }),
      // Statement text only: values never (they may be PHI), also not those the ORM inlines as literals.
      new PgInstrumentation({
        enhancedDatabaseReporting: false,
        requireParentSpan: true,
        ignoreConnectSpans: true,
        requestHook: (span, info) => {
          const text = maskSqlLiterals(info.query.text);
          span.setAttribute('db.query.text', text);
          span.setAttribute('db.statement', text);
        },
      }),
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
    ],
  });
  running = {
    flush: () => provider.forceFlush(),
    async shutdown() {
      running = null;
      unregister();
      await provider.shutdown();
    },
  };
  return running;
}

/** The gateway's own spans that never have children: their time is already in the router's span and fetches. */
const LEAF_NOISE = new Set(['gateway.validate', 'gateway.plan', 'gateway.postprocessing']);

/**
 * Parent-based sampling: a trace is kept at its root with probability OTEL_TRACES_SAMPLER_ARG (default 1, every
 * trace) and subgraphs follow the router's decision (the traceparent's flag); the gateway's childless
 * bookkeeping spans are not recorded at all.
 */
function clinicSampler(env: Record<string, string | undefined>): import('@opentelemetry/sdk-trace-base').Sampler {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { ParentBasedSampler, TraceIdRatioBasedSampler, AlwaysOnSampler, SamplingDecision } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const ratio = Number(env.OTEL_TRACES_SAMPLER_ARG ?? '1');
  const root = Number.isFinite(ratio) && ratio < 1 ? new TraceIdRatioBasedSampler(Math.max(0, ratio)) : new AlwaysOnSampler();
  const parentBased = new ParentBasedSampler({ root });
  return {
    shouldSample(context, traceId, spanName, spanKind, attributes, links) {
      if (LEAF_NOISE.has(spanName)) return { decision: SamplingDecision.NOT_RECORD };
      return parentBased.shouldSample(context, traceId, spanName, spanKind, attributes, links);
    },
    toString: () => `ClinicSampler{${parentBased.toString()}}`,
  };
}

/** Tests: an exporter that keeps finished spans in memory (from the kit's own OpenTelemetry SDK copy). */
export function inMemorySpanExporter(): import('@opentelemetry/sdk-trace-base').InMemorySpanExporter {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { InMemorySpanExporter } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  return new InMemorySpanExporter();
}

/** The parent context of an incoming request: its traceparent when the caller is trusted, else a fresh trace. */
export function incomingTraceContext(headers: IncomingHttpHeaders, trusted: boolean): Context {
  if (!trusted) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, headers);
}

/** SQL with its string literals replaced by '?' (an ORM may inline values, which may be PHI). */
export function maskSqlLiterals(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'/g, "'?'");
}

/** The current span's ids for log lines (empty when tracing is off or nothing is active). */
export function traceIds(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  if (!trace.isSpanContextValid(span.spanContext())) return {};
  return { trace_id: traceId, span_id: spanId };
}

/** The trace context to carry with work done later (an outbox event, a job): a W3C traceparent or undefined. */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier[TRACEPARENT_HEADER];
}

/** The context a carried traceparent names (ROOT when absent or malformed). */
export function contextFromTraceparent(traceparent: string | undefined | null): Context {
  if (!traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { [TRACEPARENT_HEADER]: traceparent });
}

/** Runs `fn` inside a new span (child of `parent`, default the active context); errors mark the span and rethrow. */
export async function inSpan<T>(
  name: string,
  opts: { kind?: SpanKind; parent?: Context; attributes?: Record<string, string | number | boolean> },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const tracer = trace.getTracer(TRACER);
  return tracer.startActiveSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes }, opts.parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

export { SpanKind };
