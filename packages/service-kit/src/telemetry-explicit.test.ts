// Tracing without an async context, as the router runs it (asyncContext: false): the request's server span
// parents its client spans through the context handed on explicitly, the traceparent sent names the client
// span, log ids and error capture come from that context, and an unsampled request makes no span and tells the subgraph so.
import { Writable } from 'node:stream';
import pino from 'pino';
import { propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { createErrorTracker } from './error-tracking.ts';
import { clientSpan, fastIds, incomingTraceContext, inMemorySpanExporter, inSpan, startServerSpan, startTracing, traceIds, type Tracing } from './telemetry.ts';

const exporter = inMemorySpanExporter();
let tracing: Tracing;
const SUBGRAPH = 'http://127.0.0.1:4001/graphql';

beforeAll(() => {
  tracing = startTracing({ serviceName: 'explicit-test', exporter, asyncContext: false })!;
});
afterAll(() => tracing.shutdown());
beforeEach(() => exporter.reset());

test('a sampled request: one trace from the server span through the client span, with no async context', async () => {
  const server = startServerSpan('POST /graphql', ROOT_CONTEXT, { 'url.path': '/graphql' })!;
  const sent = await clientSpan(SUBGRAPH, server.context, async (headers) => {
    await new Promise((resolve) => setImmediate(resolve));
    return { status: 200, headers, active: trace.getActiveSpan() };
  });
  server.end(200);
  const [client, request] = exporter.getFinishedSpans();
  expect(request!.name).toBe('POST /graphql');
  expect(request!.attributes['http.response.status_code']).toBe(200);
  expect(client!.parentSpanContext?.spanId).toBe(request!.spanContext().spanId);
  expect(client!.spanContext().traceId).toBe(request!.spanContext().traceId);
  expect(sent.headers?.traceparent).toBe(`00-${client!.spanContext().traceId}-${client!.spanContext().spanId}-01`);
  // Nothing was made active: the context went along by hand.
  expect(sent.active).toBeUndefined();
  expect(traceIds(server.context)).toEqual({ trace_id: request!.spanContext().traceId, span_id: request!.spanContext().spanId });
  expect(traceIds()).toEqual({});
});

test('an unsampled request makes no span, and its subgraph call carries "not sampled" on', async () => {
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const parent = incomingTraceContext({ traceparent: `00-${traceId}-b7ad6b7169203331-00` }, true);
  const server = startServerSpan('POST /graphql', parent, {})!;
  const sent = await clientSpan(SUBGRAPH, server.context, async (headers) => ({ status: 200, headers }));
  server.end(200);
  await tracing.flush();
  expect(exporter.getFinishedSpans()).toEqual([]);
  expect(sent.headers?.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
});

test('a failing subgraph call and a 500 mark their spans', async () => {
  const server = startServerSpan('POST /graphql', ROOT_CONTEXT, {})!;
  await expect(clientSpan(SUBGRAPH, server.context, () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
  server.end(500);
  const [client, request] = exporter.getFinishedSpans();
  expect(client!.status.code).toBe(2);
  expect(client!.events.map((e) => e.name)).toEqual(['exception']);
  expect(request!.status.code).toBe(2);
});

test("an unexpected error is captured with the trace handed in: its log line names it and its span records it", () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString())), done()) });
  const errors = createErrorTracker('router', pino({}, sink), {});
  const server = startServerSpan('POST /graphql', ROOT_CONTEXT, {})!;
  errors.capture(new Error('boom'), { requestId: 'req-1', trace: server.context });
  server.end(500, true);
  const [request] = exporter.getFinishedSpans();
  expect(lines).toEqual([expect.objectContaining({ msg: 'unexpected error', requestId: 'req-1', trace_id: request!.spanContext().traceId, span_id: request!.spanContext().spanId })]);
  expect(request!.events.map((e) => e.name)).toEqual(['exception']);
});

test("an unsampled request's traceparent is written once, at its server span, not by the propagator per subgraph call", async () => {
  const inject = jest.spyOn(propagation, 'inject');
  try {
    const parent = incomingTraceContext({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00' }, true);
    const server = startServerSpan('POST /graphql', parent, {})!;
    const sent = await Promise.all([1, 2].map(() => clientSpan(SUBGRAPH, server.context, async (headers) => ({ status: 200, headers }))));
    server.end(200);
    // Both calls name the router's (unrecorded) span as their parent, flags 00, as the propagator would.
    const { traceId, spanId } = trace.getSpanContext(server.context)!;
    expect(sent.map((s) => s.headers?.traceparent)).toEqual([`00-${traceId}-${spanId}-00`, `00-${traceId}-${spanId}-00`]);
    expect(inject).not.toHaveBeenCalled();
  } finally {
    inject.mockRestore();
  }
});

test("the kit's spans read as the SDK's own: ids, parent, clock, resource, scope, status and exception events", async () => {
  // inSpan's span is the SDK's; the server and client spans beneath it are the kit's lean ones (lean-span.ts).
  const sdkError = new TypeError('sdk says no');
  const kitError = new TypeError('kit says no');
  const before = Date.now();
  await inSpan('job probe', { parent: ROOT_CONTEXT }, async (sdkSpan, ctx) => {
    sdkSpan.recordException(sdkError);
    const server = startServerSpan('POST /graphql', ctx, { 'url.path': '/graphql' })!;
    await expect(clientSpan(SUBGRAPH, server.context, () => Promise.reject(kitError))).rejects.toThrow('kit says no');
    server.end(502);
  });
  const after = Date.now();
  const [client, server, job] = exporter.getFinishedSpans();
  expect([client!.name, server!.name, job!.name]).toEqual(['POST', 'POST /graphql', 'job probe']);
  expect(client!.parentSpanContext?.spanId).toBe(server!.spanContext().spanId);
  expect(server!.parentSpanContext?.spanId).toBe(job!.spanContext().spanId);
  expect(new Set([client, server, job].map((s) => s!.spanContext().traceId)).size).toBe(1);
  for (const span of [client!, server!]) {
    expect(span.spanContext().traceFlags).toBe(1);
    expect(span.spanContext().spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span.resource).toBe(job!.resource);
    expect(span.instrumentationScope.name).toBe(job!.instrumentationScope.name);
    expect(span.ended).toBe(true);
    // Wall-clock times within the test, end after start, duration their difference (to the nanosecond).
    const ms = (t: [number, number]) => t[0] * 1e3 + t[1] / 1e6;
    expect(ms(span.startTime)).toBeGreaterThanOrEqual(before - 1);
    expect(ms(span.endTime)).toBeLessThanOrEqual(after + 1);
    expect(ms(span.endTime)).toBeGreaterThanOrEqual(ms(span.startTime));
    expect(ms(span.duration)).toBeCloseTo(ms(span.endTime) - ms(span.startTime), 3);
  }
  expect(server!.attributes).toEqual({ 'url.path': '/graphql', 'http.response.status_code': 502 });
  expect(server!.status.code).toBe(2);
  // An exception event like the SDK's, with the kit's error in it.
  const sdkEvent = job!.events.find((e) => e.name === 'exception')!;
  const kitEvent = client!.events.find((e) => e.name === 'exception')!;
  expect(Object.keys(kitEvent.attributes!).sort()).toEqual(Object.keys(sdkEvent.attributes!).sort());
  expect(kitEvent.attributes).toMatchObject({ 'exception.type': 'TypeError', 'exception.message': 'kit says no' });
});

test('trace and span ids are lowercase hex of the W3C lengths and vary', () => {
  const traces = new Set(Array.from({ length: 200 }, () => fastIds.generateTraceId()));
  const spans = new Set(Array.from({ length: 200 }, () => fastIds.generateSpanId()));
  expect(traces.size).toBe(200);
  expect(spans.size).toBe(200);
  for (const id of traces) expect(id).toMatch(/^[0-9a-f]{32}$/);
  for (const id of spans) expect(id).toMatch(/^[0-9a-f]{16}$/);
});
