// OpenTelemetry tracing for every service: one trace per client request, from the router through each
// subgraph call (the router's client span injects W3C `traceparent`, the subgraph's server span continues it)
// to PostgreSQL and Redis, continued through the outbox and BullMQ jobs (the event carries its trace context).
// Services run without an async context (see TracingOptions.asyncContext): a request's trace context is handed
// on explicitly (the router's RequestContext, a subgraph's GraphQL context and EntityManager), and the kit's own
// wrappers make the SQL (traced-em.ts) and Redis spans (redisSpan) from it.
// Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (or a test hands in an exporter). The HTTP instrumentation
// patches modules as they are loaded, so a service's main calls startTracing before it loads the rest.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { startLeanSpan, type LeanTracer } from './lean-span.ts';
import { context, createContextKey, propagation, trace, SpanKind, SpanStatusCode, TraceFlags, ROOT_CONTEXT, INVALID_SPAN_CONTEXT, type Attributes, type Context, type Span, type SpanContext, type Tracer } from '@opentelemetry/api';

const TRACER = 'clinic';
export const TRACEPARENT_HEADER = 'traceparent';

export interface TracingOptions {
  serviceName: string;
  env?: Record<string, string | undefined>;
  /** Tests: spans go here (synchronously) instead of OTLP; every trace is then kept unless OTEL_TRACES_SAMPLER* say otherwise. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  exporter?: any;
  /** How spans reach `exporter`: `simple` (one by one, default for tests) or `batch` (as production does with OTLP; benchmarks). */
  processor?: 'simple' | 'batch';
  /**
   * Client spans for outgoing HTTP made by libraries (third-party APIs): on by default. The router turns it
   * off: its subgraph calls have their own client spans (clientSpan).
   */
  outgoingHttp?: boolean;
  /**
   * false: no AsyncLocalStorage context manager. On Node 20 it runs promise hooks on every promise of the
   * process, sampled request or not, once anything enters a context (6–8 % of a small subgraph request's CPU
   * samples). Spans are then parented explicitly: startServerSpan's / traceIncoming's context handed to clientSpan,
   * the request's EntityManager (SQL spans), redisSpan, log lines, error capture, outbox events and jobs;
   * outgoing HTTP of libraries, which finds its parent only in the async context, is not instrumented. The
   * router and every subgraph (tracing-register.ts); true (default) keeps the active context for tests and tools.
   */
  asyncContext?: boolean;
  /** Tests: told the trace id of every sampling decision, i.e. of every span started, recorded or not. */
  onSample?: (traceId: string) => void;
}

let running: Tracing | null = null;
/** The clinic's tracer while tracing runs; null lets the request paths skip span work entirely. */
let clinicTracer: Tracer | null = null;
/** The kit's own spans (server, client, SQL, Redis), made by lean-span.ts: set whenever clinicTracer is. */
let lean: LeanTracer | null = null;
let suppressTracing: ((ctx: Context) => Context) | null = null;
/** Whether the sampler follows the parent's decision: then an unsampled parent's children are skipped outright. */
let parentDecides = false;
/** Whether an AsyncLocalStorage context manager carries the active span (else contexts go by hand). */
let asyncContextOn = false;
/**
 * An unsampled request's traceparent (flags 00), kept in its context instead of a span: pg and ioredis see no
 * parent and make no span, while what the request leaves for later (an outbox event, a call onwards) still
 * carries "not sampled" on, so its delivery and jobs are not traced either.
 */
const UNSAMPLED_TRACEPARENT = createContextKey('clinic unsampled traceparent');

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
  const { isTracingSuppressed, suppressTracing: suppress, W3CTraceContextPropagator } = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
  /* eslint-enable @typescript-eslint/no-require-imports */
  let processor;
  if (opts.exporter) {
    processor = opts.processor === 'batch' ? new BatchSpanProcessor(opts.exporter) : new SimpleSpanProcessor(opts.exporter);
  } else {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    processor = new BatchSpanProcessor(new OTLPTraceExporter());
  }
  const resource = resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? opts.serviceName });
  const sampler = counted(clinicSampler(env, opts.exporter ? 1 : DEFAULT_TRACE_SAMPLE_RATIO), opts.onSample);
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor], sampler, idGenerator: fastIds });
  // Registers the AsyncLocalStorage context manager (unless asyncContext is false) and the W3C trace-context
  // propagator (no baggage: nothing of ours reads it, and every request would pay for extracting it).
  const asyncContext = opts.asyncContext !== false;
  provider.register({ propagator: new W3CTraceContextPropagator(), ...(asyncContext ? {} : { contextManager: null }) });
  // The gateway's own spans (request, execute, fetch; one more per subgraph call) only re-time what the
  // router's server span and its client spans already show: the gateway gets a tracer that records nothing
  // and leaves the caller's context active, so what it calls still joins the request's trace.
  const passThrough = passThroughTracer();
  trace.disable();
  trace.setGlobalTracerProvider({
    getTracer: (name, version, options) => (name === 'apollo/gateway-js' ? passThrough : provider.getTracer(name, version, options)),
  });
  clinicTracer = provider.getTracer(TRACER);
  lean = { sampler, ids: fastIds, resource, scope: { name: TRACER }, processor };
  suppressTracing = opts.outgoingHttp === false || !asyncContext ? null : suppress;
  parentDecides = samplerFollowsParent(env);
  asyncContextOn = asyncContext;
  // What it costs is kept small: only outgoing http is instrumented (no fs/dns/net, no per-resolver spans);
  // server spans are the kit's and the router's own (traceIncoming / the router's span), not the HTTP
  // instrumentation's, which costs several times more per request; SQL and Redis spans are the kit's own
  // (traced-em.ts, redisSpan), made only under a sampled request's or job's span: calls made outside one
  // (BullMQ's and the outbox relay's polling, key refreshes, pool connects) make none.
  const outgoing = opts.outgoingHttp === false || !asyncContext ? [] : [
    new HttpInstrumentation({
      disableIncomingRequestInstrumentation: true,
      requireParentforOutgoingSpans: true,
      // A call already inside a client span of ours (clientSpan) is not traced twice.
      ignoreOutgoingRequestHook: () => isTracingSuppressed(context.active()),
    }),
  ];
  const unregister = registerInstrumentations({ tracerProvider: provider, instrumentations: outgoing });
  running = {
    flush: () => provider.forceFlush(),
    async shutdown() {
      running = null;
      clinicTracer = null;
      lean = null;
      suppressTracing = null;
      parentDecides = false;
      asyncContextOn = false;
      unregister();
      await provider.shutdown();
    },
  };
  return running;
}

/**
 * Trace and span ids as the SDK's RandomIdGenerator makes them (Math.random, never all zero), without its
 * Buffer and hex conversion: the router draws a trace id and a span id for every request, sampled or not, and
 * the SDK's way was about half of an unsampled request's tracing CPU (startSpan's profile).
 */
const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
function hexWord(): string {
  const x = (Math.random() * 0x1_0000_0000) >>> 0;
  return HEX_BYTE[x >>> 24]! + HEX_BYTE[(x >>> 16) & 255]! + HEX_BYTE[(x >>> 8) & 255]! + HEX_BYTE[x & 255]!;
}
function hexId(words: number): string {
  let id = '';
  for (let i = 0; i < words; i++) id += hexWord();
  // All zeros is the invalid id (W3C): one chance in 2^64 or more, draw again.
  return /[^0]/.test(id) ? id : hexId(words);
}
export const fastIds = { generateTraceId: () => hexId(4), generateSpanId: () => hexId(2) };

/** Share of client requests traced when neither OTEL_TRACES_SAMPLER nor OTEL_TRACES_SAMPLER_ARG is set (OTLP). */
export const DEFAULT_TRACE_SAMPLE_RATIO = 0.1;

/**
 * Head sampling as the OTel spec names it: OTEL_TRACES_SAMPLER (`parentbased_traceidratio` when unset,
 * `parentbased_always_on`, `always_on`, `traceidratio`, `always_off`, `parentbased_always_off`) with
 * OTEL_TRACES_SAMPLER_ARG the ratio. Parent-based: the router decides where a trace starts and the subgraphs,
 * outbox and jobs follow the traceparent's flag. Unset, DEFAULT_TRACE_SAMPLE_RATIO of traces are kept; with an
 * exporter handed in (tests) every one.
 */
function clinicSampler(env: Record<string, string | undefined>, defaultRatio: number): import('@opentelemetry/sdk-trace-base').Sampler {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { ParentBasedSampler, TraceIdRatioBasedSampler, AlwaysOnSampler, AlwaysOffSampler } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const arg = env.OTEL_TRACES_SAMPLER_ARG ? Number(env.OTEL_TRACES_SAMPLER_ARG) : NaN;
  const ratio = Number.isFinite(arg) ? Math.min(1, Math.max(0, arg)) : defaultRatio;
  const byRatio = ratio >= 1 ? new AlwaysOnSampler() : new TraceIdRatioBasedSampler(ratio);
  const named = (env.OTEL_TRACES_SAMPLER || 'parentbased_traceidratio').trim().toLowerCase();
  return (
    {
      always_on: new AlwaysOnSampler(),
      always_off: new AlwaysOffSampler(),
      traceidratio: byRatio,
      parentbased_always_on: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
      parentbased_always_off: new ParentBasedSampler({ root: new AlwaysOffSampler() }),
      parentbased_traceidratio: new ParentBasedSampler({ root: byRatio }),
    }[named] ?? new ParentBasedSampler({ root: byRatio })
  );
}

type Sampler = import('@opentelemetry/sdk-trace-base').Sampler;
function counted(sampler: Sampler, onSample: ((traceId: string) => void) | undefined): Sampler {
  if (!onSample) return sampler;
  return { shouldSample: (...args) => (onSample(args[1]), sampler.shouldSample(...args)), toString: () => sampler.toString() };
}

/** False only for the samplers that ignore the parent (unknown names fall back to parent-based, see clinicSampler). */
function samplerFollowsParent(env: Record<string, string | undefined>): boolean {
  return !['always_on', 'always_off', 'traceidratio'].includes((env.OTEL_TRACES_SAMPLER ?? '').trim().toLowerCase());
}

/** Tests: an exporter that keeps finished spans in memory (from the kit's own OpenTelemetry SDK copy). */
export function inMemorySpanExporter(): import('@opentelemetry/sdk-trace-base').InMemorySpanExporter {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { InMemorySpanExporter } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  return new InMemorySpanExporter();
}

/** The parent context of an incoming request: its traceparent when the caller is trusted, else a fresh trace. */
export function incomingTraceContext(headers: IncomingHttpHeaders, trusted: boolean): Context {
  // No traceparent (most requests, even from a trusted proxy): nothing to extract, a fresh trace.
  if (!trusted || headers[TRACEPARENT_HEADER] === undefined) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, headers);
}

/** A tracer whose spans are the caller's context unchanged: nothing recorded, children keep their real parent. */
function passThroughTracer(): Tracer {
  // Without an active span (always so in the router, which has no async context) one shared span will do.
  const none = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
  const startSpan = (_name: string, _opts?: unknown, ctx: Context = context.active()): Span => {
    const spanContext = trace.getSpanContext(ctx);
    return spanContext ? trace.wrapSpanContext(spanContext) : none;
  };
  return {
    startSpan,
    startActiveSpan(name: string, ...args: unknown[]) {
      const fn = args.at(-1) as (span: Span) => unknown;
      const ctx = args.length >= 3 ? (args[1] as Context | undefined) : undefined;
      return fn(startSpan(name, undefined, ctx ?? context.active()));
    },
  } as Tracer;
}

/**
 * Handles an incoming request inside its SERVER span (tracing on), continuing the caller's traceparent: a
 * subgraph is reachable only from the router (network policy, router secret), which decides whose trace to
 * continue. `handle` gets the request's trace context to hand on (it is also the active one when an async
 * context runs). Tracing off: ROOT_CONTEXT. The router's traceparent saying "not sampled": no span, only that
 * traceparent kept in the context (see UNSAMPLED_TRACEPARENT).
 */
export function traceIncoming(req: IncomingMessage, res: ServerResponse, path: string, handle: (trace: TraceContext) => void): void {
  if (!clinicTracer) return handle(ROOT_CONTEXT);
  const carried = req.headers[TRACEPARENT_HEADER];
  if (parentDecides && notSampled(carried)) return handleIn(ROOT_CONTEXT.setValue(UNSAMPLED_TRACEPARENT, carried), handle);
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const method = req.method ?? 'GET';
  // Named as the HTTP instrumentation names server spans (the router's own span is `POST /graphql`).
  const span = startLeanSpan(lean!, method, SpanKind.SERVER, { 'http.request.method': method, 'url.path': path, 'server.port': req.socket.localPort ?? 0 }, parent);
  res.once('close', () => {
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  handleIn(trace.setSpan(parent, span), handle);
}

function handleIn(ctx: Context, handle: (trace: TraceContext) => void): void {
  if (asyncContextOn) context.with(ctx, handle, undefined, ctx);
  else handle(ctx);
}

/** True for a well-formed W3C traceparent (`00-<trace id>-<parent id>-<flags>`) whose sampled flag is clear. */
function notSampled(traceparent: string | string[] | undefined): traceparent is string {
  if (typeof traceparent !== 'string' || traceparent.length !== 55 || traceparent[52] !== '-') return false;
  const flags = parseInt(traceparent.slice(53), 16);
  return Number.isInteger(flags) && (flags & TraceFlags.SAMPLED) === 0;
}

/**
 * A client request's SERVER span, started WITHOUT entering the async context (the router, see
 * TracingOptions.asyncContext). `context` is what the request's work is parented by: the caller hands it on
 * to clientSpan, log lines (traceIds) and error capture. Null when tracing is off. An unsampled request's span
 * records nothing (the sampler decides once, here) and its context carries the trace id and the not-sampled
 * flag on to the subgraphs, which then skip their spans too.
 */
export interface ServerSpan {
  readonly context: Context;
  /** Ends the span with the response's status; >= 500 or `failed` marks it. */
  end(statusCode: number, failed?: boolean): void;
}

export function startServerSpan(name: string, parent: Context, attributes: Attributes): ServerSpan | null {
  if (!clinicTracer) return null;
  const span = startLeanSpan(lean!, name, SpanKind.SERVER, attributes, parent);
  let context = trace.setSpan(parent, span);
  // Not sampled: its traceparent (flags 00) is written once here for every subgraph call of the request,
  // instead of by the propagator per call.
  if (!span.isRecording() && parentDecides) context = context.setValue(UNSAMPLED_TRACEPARENT, traceparentOf(span.spanContext()));
  return new RequestServerSpan(span, context);
}

/** The W3C traceparent naming `spanContext` as the parent (what the propagator writes, without its checks). */
function traceparentOf({ traceId, spanId, traceFlags }: SpanContext): string {
  return `00-${traceId}-${spanId}-0${(traceFlags & TraceFlags.SAMPLED).toString(16)}`;
}

// A class, not an object of closures: no function objects made per request.
class RequestServerSpan implements ServerSpan {
  constructor(
    private readonly span: Span,
    readonly context: Context,
  ) {}

  end(statusCode: number, failed = false): void {
    if (!this.span.isRecording()) return;
    this.span.setAttribute('http.response.status_code', statusCode);
    if (failed || statusCode >= 500) this.span.setStatus({ code: SpanStatusCode.ERROR });
    this.span.end();
  }
}

/** A subgraph URL's span attributes, parsed once per URL (the router calls the same few all the time). */
const clientAttributesByUrl = new Map<string, Record<string, string | number>>();
function clientAttributes(url: string): Record<string, string | number> {
  let attributes = clientAttributesByUrl.get(url);
  if (!attributes) {
    const target = new URL(url);
    attributes = { 'http.request.method': 'POST', 'url.full': url, 'server.address': target.hostname, 'server.port': Number(target.port) || (target.protocol === 'https:' ? 443 : 80) };
    if (clientAttributesByUrl.size < 1000) clientAttributesByUrl.set(url, attributes);
  }
  return attributes;
}

/**
 * Runs an outgoing call (the router's fetch of a subgraph) inside a CLIENT span: `call` gets the headers that
 * carry the trace on (traceparent), or null when tracing is off. Statuses >= 500 and throws mark the span.
 * `parent`: the request's context handed on explicitly (the router has no async context); default the active
 * one. An unsampled parent gets no span: its traceparent (flags 00) is passed on as it is.
 */
export async function clientSpan<T extends { status: number }>(
  url: string,
  parent: Context | undefined,
  call: (traceHeaders: Record<string, string> | null) => Promise<T>,
): Promise<T> {
  if (!clinicTracer) return call(null);
  const parentContext = parent ?? context.active();
  const unsampled = parentDecides ? unsampledTraceparent(parentContext) : undefined;
  if (unsampled) return call({ [TRACEPARENT_HEADER]: unsampled });
  const traceHeaders: Record<string, string> = {};
  const span = startLeanSpan(lean!, 'POST', SpanKind.CLIENT, clientAttributes(url), parentContext);
  const active = trace.setSpan(parentContext, span);
  propagation.inject(active, traceHeaders);
  return endedAfter(span, async () => {
    // Where the HTTP instrumentation is loaded, it is suppressed below so it adds no second client span.
    const response = await (suppressTracing ? context.with(suppressTracing(active), () => call(traceHeaders)) : call(traceHeaders));
    span.setAttribute('http.response.status_code', response.status);
    if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    return response;
  });
}

/**
 * The traceparent (flags 00) of a context that belongs to an unsampled trace, else undefined (sampled, or no
 * trace at all: there a new trace may start).
 */
function unsampledTraceparent(ctx: Context): string | undefined {
  const carried = ctx.getValue(UNSAMPLED_TRACEPARENT);
  if (typeof carried === 'string') return carried;
  const spanContext = trace.getSpanContext(ctx);
  if (!spanContext || spanContext.traceFlags & TraceFlags.SAMPLED) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier[TRACEPARENT_HEADER];
}

/** Runs `fn`, then ends `span`; an error marks the span and is rethrown. */
async function endedAfter<T>(span: Span, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}

/** SQL with its string literals replaced by '?' (an ORM may inline values, which may be PHI). */
export function maskSqlLiterals(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'/g, "'?'");
}

/** The span's ids for log lines: of `ctx` when given (the router's request), else the active span; empty without one. */
export function traceIds(ctx?: Context): { trace_id?: string; span_id?: string } {
  const span = trace.getSpan(ctx ?? context.active());
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  if (!trace.isSpanContextValid(span.spanContext())) return {};
  return { trace_id: traceId, span_id: spanId };
}

/**
 * The trace context to carry with work done later (an outbox event, a job): a W3C traceparent or undefined.
 * Of `ctx` when given (a request's context handed on), else the active one.
 */
export function currentTraceparent(ctx?: Context): string | undefined {
  const from = ctx ?? context.active();
  const unsampled = from.getValue(UNSAMPLED_TRACEPARENT);
  if (typeof unsampled === 'string') return unsampled;
  if (!trace.getSpanContext(from)) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(from, carrier);
  return carrier[TRACEPARENT_HEADER];
}

/**
 * The parent a child span of `ctx` (default the active context) would have, or null when it should make none:
 * tracing off, no span, or the span is not recorded and the sampler follows the parent (an unsampled request).
 */
function recordingParent(ctx: Context | undefined): Context | null {
  if (!clinicTracer) return null;
  const parent = ctx ?? context.active();
  const span = trace.getSpan(parent);
  if (!span || (parentDecides && !span.isRecording())) return null;
  return parent;
}

/** Whether tracing runs in this process (startTracing found an exporter or an OTLP endpoint). */
export function tracingEnabled(): boolean {
  return clinicTracer !== null;
}

/** Whether work under `ctx` makes spans at all (a sampled request's or job's context). */
export function isTraced(ctx: Context | undefined): boolean {
  return recordingParent(ctx) !== null;
}

/**
 * Runs a call to a database or cache (`system`: `postgresql`, `redis`) inside a CLIENT span, child of
 * `parent` (default the active context); without a recorded parent just `call()`. Errors mark the span.
 */
export function databaseSpan<T>(parent: Context | undefined, name: string, system: string, attributes: Attributes, call: () => Promise<T>): Promise<T> {
  const within = recordingParent(parent);
  if (!within) return call();
  const span = startLeanSpan(lean!, name, SpanKind.CLIENT, { 'db.system.name': system, 'db.system': system, ...attributes }, within);
  return endedAfter(span, call);
}

/** A Redis command (`name`, e.g. `mget`) in a span of the request's trace: the kit's Redis calls made for a request. */
export function redisSpan<T>(parent: Context | undefined, name: string, call: () => Promise<T>): Promise<T> {
  return databaseSpan(parent, name, 'redis', { 'db.operation.name': name, 'db.query.text': name }, call);
}

/** The context a carried traceparent names (ROOT when absent or malformed). */
export function contextFromTraceparent(traceparent: string | undefined | null): Context {
  if (!traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { [TRACEPARENT_HEADER]: traceparent });
}

/**
 * Runs `fn` inside a new span (child of `parent`, default the active context); errors mark the span and
 * rethrow. `fn` gets the span and its context, to hand on where there is no async context.
 */
export async function inSpan<T>(
  name: string,
  opts: { kind?: SpanKind; parent?: Context; attributes?: Record<string, string | number | boolean> },
  fn: (span: Span, ctx: TraceContext) => Promise<T>,
): Promise<T> {
  const tracer = clinicTracer ?? trace.getTracer(TRACER);
  const parent = opts.parent ?? context.active();
  return tracer.startActiveSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes }, parent, (span) =>
    endedAfter(span, () => fn(span, trace.setSpan(parent, span))),
  );
}

/**
 * Log-line ids to bind to a request's logger: its trace_id/span_id where no async context carries them to
 * the logger's mixin (traceIds of the active span), else none (they would be written twice).
 */
export function traceIdsToBind(ctx: Context): { trace_id?: string; span_id?: string } {
  return asyncContextOn ? {} : traceIds(ctx);
}

export { SpanKind };
/** A request's trace context, handed on explicitly where there is no async context (the router). */
export type TraceContext = Context;
