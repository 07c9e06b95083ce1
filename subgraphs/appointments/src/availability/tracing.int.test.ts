// A sampled slot search's availability-cache calls are Redis spans of its trace, under the subgraph's server
// span (found through the request's EntityManager, no async context): the read of the days' entries, and the
// write of the days it had to expand.
import { randomUUID } from 'node:crypto';
import { inMemorySpanExporter, startTracing, type Tracing } from '@clinic/service-kit';
import { addDoctor, addEverydayRule, daysAhead, localToUtc, SLOTS, startAppointments, token, type AppointmentsHarness } from '../testing/fixtures.ts';

const exporter = inMemorySpanExporter();
let tracing: Tracing;
let h: AppointmentsHarness;

beforeAll(async () => {
  tracing = startTracing({ serviceName: 'appointments-trace-test', exporter, asyncContext: false })!;
  h = await startAppointments();
});

afterAll(async () => {
  await h?.stop();
  await tracing?.shutdown();
});

test("a sampled search's cache read and write are Redis spans under the subgraph's server span", async () => {
  const { doctorId } = await addDoctor(h);
  await addEverydayRule(h, doctorId);
  const traceId = randomUUID().replaceAll('-', '');
  const res = await fetch(h.stack.subgraphs.appointments!.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json', 'x-router-secret': 'test-router-secret',
      authorization: `Bearer ${await token(h, randomUUID(), ['PATIENT'])}`, traceparent: `00-${traceId}-b7ad6b7169203331-01`,
    },
    body: JSON.stringify({ query: SLOTS, variables: { search: { doctorIds: [doctorId], from: localToUtc(daysAhead(2), '00:00'), to: localToUtc(daysAhead(3), '23:59') } } }),
  });
  expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
  await tracing.flush();
  const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const server = spans.find((s) => s.kind === 1 && s.parentSpanContext?.spanId === 'b7ad6b7169203331')!;
  expect(server).toBeDefined();
  const redis = spans.filter((s) => s.attributes['db.system.name'] === 'redis' && s.parentSpanContext?.spanId === server.spanContext().spanId).map((s) => s.name);
  // Besides the revocation check's own MGET: the days' entries (read per page step; a first search, so all
  // missed) and the write of those it expanded.
  expect(redis.filter((name) => name === 'mget').length).toBeGreaterThanOrEqual(2);
  expect(redis).toContain('set');
});
