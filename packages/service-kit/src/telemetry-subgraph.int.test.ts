// A subgraph request's trace without an async context, as every subgraph runs (asyncContext: false), on the
// real Postgres and Redis: its SQL (raw and prepared statements, entity finds, a transaction's flush) and its revocation
// check's Redis read are spans under the subgraph's server span, found through what the request hands on (its
// EntityManager, its trace context), not an AsyncLocalStorage; its log lines name the trace; the outbox event
// it writes continues the trace through the relay to the job, whose handler gets the job's context; a request
// the router did not sample makes none of these spans.
import { randomUUID } from 'node:crypto';
import gqlTag from 'graphql-tag';
import { TraceFlags, trace } from '@opentelemetry/api';
import { startSubgraph, type RequestContext, type RunningSubgraph, type SubgraphDefinition } from './server.ts';
import { ROUTER_SECRET_HEADER } from './router-secret.ts';
import { enqueueEvent, outboxMigrations, OutboxEventSchema, startOutboxRelay, type OutboxRelay } from './outbox.ts';
import { consumeQueue, type OutboxJob, type QueueConsumer } from './queue.ts';
import { tracedFork } from './traced-em.ts';
import { executePrepared } from './prepared.ts';
import { inMemorySpanExporter, startTracing, type TraceContext, type Tracing } from './telemetry.ts';
import { createTestKeys, dropSchema, signTestToken, testServiceConfig, TEST_REDIS_URL, type TestKeys } from './testing/index.ts';

const exporter = inMemorySpanExporter();
let tracing: Tracing;
let keys: TestKeys;
let running: RunningSubgraph;
let relay: OutboxRelay;
let consumer: QueueConsumer;
const queue = `test-explicit-trace-${randomUUID()}`;
const handled: { job: OutboxJob; trace: TraceContext }[] = [];

const recorder: SubgraphDefinition = {
  name: 'recorder',
  typeDefs: gqlTag`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
    type Query { ok: Boolean! }
    type Mutation { recordVisit(note: String!): String! }
  `,
  resolvers: {
    Mutation: {
      recordVisit: async (_: unknown, args: { note: string }, ctx: RequestContext) => {
        await ctx.em.getConnection().execute('select ? as note', [args.note]);
        await executePrepared(ctx.em, 'select ?::text as prepared_note', [args.note]);
        await ctx.em.find(OutboxEventSchema, { topic: 'visit.none' });
        await ctx.em.transactional(async (tx) => void enqueueEvent(tx, 'appointment.visited', { appointmentId: randomUUID() }));
        return String((ctx.logger.bindings() as { trace_id?: string }).trace_id ?? '-');
      },
    },
  },
  entities: [OutboxEventSchema],
  migrations: outboxMigrations,
};

beforeAll(async () => {
  tracing = startTracing({ serviceName: 'explicit-subgraph-test', exporter, asyncContext: false })!;
  keys = await createTestKeys();
  running = await startSubgraph(recorder, testServiceConfig('recorder', keys));
  consumer = consumeQueue(queue, TEST_REDIS_URL, async (job, jobTrace) => {
    // What a job handler does with its context: its SQL is a span of the job.
    await tracedFork(running.orm, jobTrace).getConnection().execute('select 1');
    handled.push({ job, trace: jobTrace });
  }, running.logger);
  relay = startOutboxRelay({ orm: running.orm, redisUrl: TEST_REDIS_URL, routes: [{ prefix: 'appointment.', queues: [queue] }], logger: running.logger, pollIntervalMs: 20 });
});

afterAll(async () => {
  await relay?.stop();
  await consumer?.close();
  await running?.stop();
  if (running) await dropSchema(running.config.dbSchema);
  await tracing?.shutdown();
});

/** Sends recordVisit as the router would: its secret, a fresh user's token, a traceparent with the given flags. */
async function recordVisit(traceId: string, flags: '01' | '00'): Promise<string> {
  const token = await signTestToken(keys, { sub: randomUUID() });
  const res = await fetch(running.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [ROUTER_SECRET_HEADER]: 'test-router-secret', authorization: `Bearer ${token}`, traceparent: `00-${traceId}-b7ad6b7169203331-${flags}` },
    body: JSON.stringify({ query: 'mutation($note: String!) { recordVisit(note: $note) }', variables: { note: 'Mrs Smith, chest pain' } }),
  });
  const body = (await res.json()) as { data?: { recordVisit: string }; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body.data!.recordVisit;
}

async function jobOf(traceId: string) {
  for (let i = 0; i < 200 && !handled.some((h) => trace.getSpanContext(h.trace)?.traceId === traceId); i++) await new Promise((r) => setTimeout(r, 25));
  const found = handled.find((h) => trace.getSpanContext(h.trace)?.traceId === traceId);
  expect(found).toBeDefined();
  await new Promise((r) => setTimeout(r, 50));
  await tracing.flush();
  return found!;
}

test("a request's SQL and Redis spans are children of its subgraph span, and its event's job continues the trace", async () => {
  const traceId = randomUUID().replaceAll('-', '');
  const loggedTraceId = await recordVisit(traceId, '01');
  const job = await jobOf(traceId);
  const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const server = spans.find((s) => s.kind === 1)!;
  expect(server.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
  expect(loggedTraceId).toBe(traceId);

  const deliver = spans.find((s) => s.name === 'outbox deliver')!;
  const jobSpan = spans.find((s) => s.name === `job ${queue}`)!;
  const sql = spans.filter((s) => s.attributes['db.system.name'] === 'postgresql');
  const requestSql = sql.filter((s) => s.parentSpanContext?.spanId === server.spanContext().spanId).map((s) => s.attributes['db.query.text']);
  // The raw statement (its value masked), the prepared one (its placeholder), the find, and the transaction's insert of the outbox event.
  expect(requestSql).toEqual(expect.arrayContaining(["select '?' as note", 'select ?::text as prepared_note', expect.stringMatching(/^select .* from "[^"]+"\."outbox_events"/), expect.stringMatching(/^insert into .*outbox_events/)]));
  for (const text of requestSql) expect(String(text)).not.toContain('Smith');
  // The revocation check read Redis for the request.
  const redis = spans.filter((s) => s.attributes['db.system.name'] === 'redis');
  expect(redis.map((s) => [s.name, s.parentSpanContext?.spanId])).toEqual([['mget', server.spanContext().spanId]]);
  // Outbox and job: request -> delivery -> job -> the job's SQL; the handler was handed the job's context.
  expect(deliver.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
  expect(jobSpan.parentSpanContext?.spanId).toBe(deliver.spanContext().spanId);
  expect(trace.getSpanContext(job.trace)?.spanId).toBe(jobSpan.spanContext().spanId);
  expect(sql.filter((s) => s.parentSpanContext?.spanId === jobSpan.spanContext().spanId).map((s) => s.attributes['db.query.text'])).toEqual(['select 1']);
  // Every span of the trace hangs under the server span (nothing lost its parent without an async context).
  expect(spans.filter((s) => s !== server && !spans.some((p) => p.spanContext().spanId === s.parentSpanContext?.spanId))).toEqual([]);
});

test('an unsampled request makes no SQL, Redis, delivery or job span, and its job runs in its unsampled trace', async () => {
  const traceId = randomUUID().replaceAll('-', '');
  await recordVisit(traceId, '00');
  const job = await jobOf(traceId);
  expect((trace.getSpanContext(job.trace)!.traceFlags & TraceFlags.SAMPLED) === 0).toBe(true);
  expect(exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId)).toEqual([]);
});
