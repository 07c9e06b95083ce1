// The kit's own spans (a request's server span, its client, SQL and Redis spans): made here rather than by
// the SDK's tracer, which per span copies and checks the attributes three times, keeps two clocks, counts
// itself in metrics and goes through a processor list. These are decided by the same sampler, end in the
// same span processor (batching, OTLP export) and read as the SDK's spans do (ReadableSpan), so exporters
// and tests see no difference; what they leave out is what our spans never use (links, span limits:
// at most a handful of attributes of ours).
import { TraceFlags, SamplingDecision, SpanStatusCode, trace, type Attributes, type AttributeValue, type Context, type Exception, type HrTime, type Link, type Span, type SpanContext, type SpanKind, type SpanStatus, type TimeInput } from '@opentelemetry/api';
import type { ReadableSpan, Sampler, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { Resource } from '@opentelemetry/resources';

export interface SpanIds {
  generateTraceId(): string;
  generateSpanId(): string;
}

/** What a lean span needs from the running tracing: the same sampler, ids, resource and processor as the SDK's. */
export interface LeanTracer {
  sampler: Sampler;
  ids: SpanIds;
  resource: Resource;
  scope: { name: string; version?: string };
  processor: SpanProcessor;
}

/**
 * Starts a span of `parent` (or a new trace): the sampler decides as for any span (parent-based: the parent's
 * flag). Not recorded: a span that only carries its ids (the SDK's NonRecordingSpan).
 */
export function startLeanSpan(tracer: LeanTracer, name: string, kind: SpanKind, attributes: Attributes, parent: Context): Span {
  const parentSpan = trace.getSpanContext(parent);
  const valid = parentSpan !== undefined && trace.isSpanContextValid(parentSpan);
  const traceId = valid ? parentSpan.traceId : tracer.ids.generateTraceId();
  const spanId = tracer.ids.generateSpanId();
  const result = tracer.sampler.shouldSample(parent, traceId, name, kind, attributes, NO_LINKS);
  const traceState = result.traceState ?? (valid ? parentSpan.traceState : undefined);
  if (result.decision === SamplingDecision.NOT_RECORD) return trace.wrapSpanContext({ traceId, spanId, traceFlags: TraceFlags.NONE, ...(traceState ? { traceState } : {}) });
  const traceFlags = result.decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE;
  const context: SpanContext = traceState ? { traceId, spanId, traceFlags, traceState } : { traceId, spanId, traceFlags };
  return new LeanSpan(tracer, name, kind, context, valid ? parentSpan : undefined, result.attributes ? { ...attributes, ...result.attributes } : { ...attributes });
}

const NO_LINKS: Link[] = [];

/** Milliseconds since the epoch, as precise as performance.now() (the SDK's clock). */
const nowMs = () => performance.timeOrigin + performance.now();
const toHrTime = (ms: number): HrTime => {
  const seconds = Math.trunc(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
};

class LeanSpan implements Span, ReadableSpan {
  readonly links: Link[] = NO_LINKS;
  events: TimedEvent[] = [];
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  readonly startTime: HrTime;
  endTime: HrTime = [0, 0];
  duration: HrTime = [-1, -1];
  ended = false;
  readonly droppedAttributesCount = 0;
  readonly droppedEventsCount = 0;
  readonly droppedLinksCount = 0;
  readonly resource: Resource;
  readonly instrumentationScope: { name: string; version?: string };
  private readonly startMs = nowMs();

  constructor(
    private readonly tracer: LeanTracer,
    public name: string,
    readonly kind: SpanKind,
    private readonly context: SpanContext,
    readonly parentSpanContext: SpanContext | undefined,
    readonly attributes: Attributes,
  ) {
    this.startTime = toHrTime(this.startMs);
    this.resource = tracer.resource;
    this.instrumentationScope = tracer.scope;
  }

  spanContext(): SpanContext {
    return this.context;
  }

  setAttribute(key: string, value: AttributeValue | undefined): this {
    if (!this.ended && value !== undefined && value !== null) this.attributes[key] = value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) this.setAttribute(key, attributes[key]);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    const attributes = attributesOrTime !== undefined && typeof attributesOrTime === 'object' && !Array.isArray(attributesOrTime) && !(attributesOrTime instanceof Date) ? (attributesOrTime as Attributes) : {};
    const at = time ?? (attributes === attributesOrTime ? undefined : (attributesOrTime as TimeInput | undefined));
    this.events.push({ name, attributes, time: at === undefined ? toHrTime(nowMs()) : timeOf(at), droppedAttributesCount: 0 });
    return this;
  }

  addLink(): this {
    return this;
  }

  addLinks(): this {
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (!this.ended) this.status = status;
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  end(): void {
    if (this.ended) return;
    const endMs = Math.max(nowMs(), this.startMs);
    this.endTime = toHrTime(endMs);
    this.duration = toHrTime(endMs - this.startMs);
    this.ended = true;
    this.tracer.processor.onEnd(this);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  /** As the SDK records one: an `exception` event with its type, message and stack. */
  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') attributes['exception.message'] = exception;
    else if (exception) {
      const type = exception.code ?? exception.name;
      if (type !== undefined) attributes['exception.type'] = String(type);
      if (exception.message) attributes['exception.message'] = exception.message;
      if (exception.stack) attributes['exception.stacktrace'] = exception.stack;
    }
    this.addEvent('exception', attributes, time);
  }
}

function timeOf(input: TimeInput): HrTime {
  if (Array.isArray(input)) return input as HrTime;
  if (input instanceof Date) return toHrTime(input.getTime());
  // A number below the process's uptime is a performance.now() reading, else epoch milliseconds.
  return toHrTime(input < performance.now() + 1 ? performance.timeOrigin + input : input);
}
