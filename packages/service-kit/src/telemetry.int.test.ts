// Trace context through the outbox and BullMQ on the real Postgres and Redis: an event written inside a
// request's span is delivered by the relay and handled by a worker whose span continues that same trace;
// consumers never see the carried context in their payload; log lines carry trace_id and span_id.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { MikroORM } from '@mikro-orm/postgresql';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TraceFlags, trace } from '@opentelemetry/api';
import { createOrm } from './orm.ts';
import { createLogger } from './logger.ts';
import { enqueueEvent, outboxMigration, OutboxEventSchema, startOutboxRelay } from './outbox.ts';
import { consumeQueue, type OutboxJob } from './queue.ts';
import { SpanKind, inSpan, startTracing, traceIds, traceIncoming, type Tracing } from './telemetry.ts';
import { createTestKeys, dropSchema, testServiceConfig, TEST_REDIS_URL } from './testing/index.ts';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let orm: MikroORM;
let schema: string;
const logger = createLogger('telemetry-test', 'silent');

beforeAll(async () => {
  tracing = startTracing({ serviceName: 'telemetry-test', exporter })!;
  const config = testServiceConfig('telemetry', await createTestKeys());
  schema = config.dbSchema;
  orm = await createOrm({ config, entities: [OutboxEventSchema], migrations: [outboxMigration], logger });
});

afterAll(async () => {
  await orm?.close(true);
  await dropSchema(schema);
  await tracing?.shutdown();
});

test('tracing stays off without an exporter or OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  expect(startTracing({ serviceName: 'x', env: {} })).toBeNull();
});

test("a job's span continues the trace of the request that wrote the event", async () => {
  const queue = `test-trace-${randomUUID()}`;
  const handled: { job: OutboxJob; traceId?: string }[] = [];
  const consumer = consumeQueue(queue, TEST_REDIS_URL, async (job) => {
    handled.push({ job, traceId: trace.getActiveSpan()?.spanContext().traceId });
  }, logger);
  const relay = startOutboxRelay({ orm, redisUrl: TEST_REDIS_URL, routes: [{ prefix: 'appointment.', queues: [queue] }], logger, pollIntervalMs: 20 });
  try {
    const appointmentId = randomUUID();
    const requestTraceId = await inSpan('request', { kind: SpanKind.SERVER }, async (span) => {
      await orm.em.fork().transactional(async (em) => {
        enqueueEvent(em, 'appointment.requested', { appointmentId });
      });
      return span.spanContext().traceId;
    });
    for (let i = 0; i < 200 && handled.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(handled).toHaveLength(1);
    expect(handled[0]!.traceId).toBe(requestTraceId);
    // The consumer sees the payload as written.
    expect(handled[0]!.job.payload).toEqual({ appointmentId });

    await tracing.flush();
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === requestTraceId);
    const byName = (name: string) => spans.find((s) => s.name === name)!;
    const request = byName('request');
    const deliver = byName('outbox deliver');
    const job = byName(`job ${queue}`);
    expect(deliver.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(job.parentSpanContext?.spanId).toBe(deliver.spanContext().spanId);
    expect(job.kind).toBe(SpanKind.CONSUMER);
    expect(job.attributes['messaging.message.id']).toBe(handled[0]!.job.eventId);
  } finally {
    await relay.stop();
    await consumer.close();
  }
});

test("a request the router did not sample makes no span, and neither do its event's delivery and job", async () => {
  const queue = `test-untraced-${randomUUID()}`;
  const handled: { traceId?: string; sampled?: boolean }[] = [];
  const consumer = consumeQueue(queue, TEST_REDIS_URL, async () => {
    const active = trace.getActiveSpan()?.spanContext();
    handled.push({ traceId: active?.traceId, sampled: active ? (active.traceFlags & TraceFlags.SAMPLED) === 1 : undefined });
  }, logger);
  const relay = startOutboxRelay({ orm, redisUrl: TEST_REDIS_URL, routes: [{ prefix: 'appointment.', queues: [queue] }], logger, pollIntervalMs: 20 });
  const traceId = randomUUID().replaceAll('-', '');
  // A subgraph's request as the router sends it when it did not sample: traceparent flags 00.
  const req = { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-00` }, method: 'POST', socket: { localPort: 4000 } } as unknown as IncomingMessage;
  const res = Object.assign(new EventEmitter(), { statusCode: 200 }) as unknown as ServerResponse;
  try {
    exporter.reset();
    const written = new Promise<void>((resolve, reject) =>
      traceIncoming(req, res, '/graphql', () => {
        orm.em.fork().transactional(async (em) => void enqueueEvent(em, 'appointment.requested', { appointmentId: randomUUID() })).then(resolve, reject);
      }),
    );
    await written;
    res.emit('close');
    for (let i = 0; i < 200 && handled.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    // The job ran in the request's trace, unsampled: nothing recorded anywhere (no SQL, no delivery, no job span).
    expect(handled).toEqual([{ traceId, sampled: false }]);
    await tracing.flush();
    expect(exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId)).toEqual([]);
  } finally {
    await relay.stop();
    await consumer.close();
  }
});

test('log lines carry trace_id and span_id of the active span', async () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const log = pino({ mixin: () => traceIds() }, sink);
  const ids = await inSpan('work', {}, async (span) => {
    log.info({ requestId: 'req-1' }, 'inside');
    return span.spanContext();
  });
  log.info('outside');
  expect(lines[0]).toMatchObject({ requestId: 'req-1', trace_id: ids.traceId, span_id: ids.spanId });
  expect(lines[1]!.trace_id).toBeUndefined();
});
