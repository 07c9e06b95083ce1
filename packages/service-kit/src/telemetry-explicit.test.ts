// Tracing without an async context, as the router runs it (asyncContext: false): the request's server span
// parents its client spans through the context handed on explicitly, the traceparent sent names the client
// span, log ids and error capture come from that context, and an unsampled request makes no span and tells the subgraph so.
import { Writable } from 'node:stream';
import pino from 'pino';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { createErrorTracker } from './error-tracking.ts';
import { clientSpan, incomingTraceContext, inMemorySpanExporter, startServerSpan, startTracing, traceIds, type Tracing } from './telemetry.ts';

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
