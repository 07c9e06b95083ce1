// A send's own Redis calls are spans of its trace, as every subgraph runs (no async context): the presence
// lookup and the live events' publishes hang under chat's server span, found through the request's
// EntityManager (traceOfEntityManager), not an AsyncLocalStorage; an unsampled send makes none.
import { randomUUID } from 'node:crypto';
import { inMemorySpanExporter, startTracing, type Tracing } from '@clinic/service-kit';
import { SEND, startChat, startDirect, token, type ChatHarness } from '../testing/fixtures.ts';

const exporter = inMemorySpanExporter();
let tracing: Tracing;
let h: ChatHarness;

beforeAll(async () => {
  tracing = startTracing({ serviceName: 'chat-trace-test', exporter, asyncContext: false })!;
  h = await startChat({ chat: { relayPollMs: 3_600_000 } });
});

afterAll(async () => {
  await h?.stop();
  await tracing?.shutdown();
});

/** A send straight to chat as the router makes it: its secret, the sender's token, a traceparent with `flags`. */
async function sendTraced(tokenValue: string, conversationId: string, traceId: string, flags: '01' | '00') {
  const res = await fetch(h.chatUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-router-secret': 'test-router-secret', authorization: `Bearer ${tokenValue}`, traceparent: `00-${traceId}-b7ad6b7169203331-${flags}` },
    body: JSON.stringify({ query: SEND, variables: { input: { conversationId, clientMessageId: randomUUID(), body: 'Your results are in' } } }),
  });
  const body = (await res.json()) as { errors?: unknown };
  expect(body.errors).toBeUndefined();
  await tracing.flush();
  return exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
}

test("a sampled send's presence lookup and publishes are Redis spans under chat's server span", async () => {
  const doctor = await token(h, randomUUID(), ['DOCTOR']);
  const conversationId = await startDirect(h, doctor, randomUUID());
  const spans = await sendTraced(doctor, conversationId, randomUUID().replaceAll('-', ''), '01');
  const server = spans.find((s) => s.kind === 1 && s.parentSpanContext?.spanId === 'b7ad6b7169203331')!;
  expect(server).toBeDefined();
  const redis = spans.filter((s) => s.attributes['db.system.name'] === 'redis' && s.parentSpanContext?.spanId === server.spanContext().spanId).map((s) => s.name);
  // The recipient's presence; the conversation's event and each member's list (two members).
  expect(redis.filter((name) => name === 'zcount')).toHaveLength(1);
  expect(redis.filter((name) => name === 'publish')).toHaveLength(3);
});

test('an unsampled send makes no Redis span', async () => {
  const doctor = await token(h, randomUUID(), ['DOCTOR']);
  const conversationId = await startDirect(h, doctor, randomUUID());
  expect(await sendTraced(doctor, conversationId, randomUUID().replaceAll('-', ''), '00')).toEqual([]);
});
