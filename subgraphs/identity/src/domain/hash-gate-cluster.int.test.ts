// The per-client bound on password-hash work across replicas: two identity replicas' gates share the real
// Redis, so a client that has filled its bound on one replica is refused on the other at once (another
// client is not), its slots come back when its work ends, and with Redis unreachable each replica still
// bounds the client on its own. A sampled request's gate calls are Redis spans of its trace.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { inMemorySpanExporter, inSpan, startTracing } from '@clinic/service-kit';
import { TEST_REDIS_URL, startOwnRedis } from '@clinic/service-kit/testing';
import { createClusterHashGate, type HashGate } from './hash-gate.ts';

const exporter = inMemorySpanExporter();
const tracing = startTracing({ serviceName: 'hash-gate-test', exporter, asyncContext: false })!;
const gates: HashGate[] = [];
const replica = (redisUrl: string, keyPrefix: string) => {
  const gate = createClusterHashGate({ redisUrl, keyPrefix, concurrency: 2, queuePerClient: 2 });
  gates.push(gate);
  return gate;
};
afterAll(async () => {
  for (const gate of gates) await gate.close();
  await tracing.shutdown();
});

/** Work that ends when the test says so. */
function held() {
  const ends: (() => void)[] = [];
  const work = () => new Promise<void>((resolve) => ends.push(resolve));
  return { work, endAll: () => ends.splice(0).forEach((end) => end()) };
}
const codeOf = (p: Promise<unknown>) => p.then(() => 'OK', (e: { extensions?: { code?: string } }) => e.extensions?.code ?? 'ERROR');

test('a client over its bound on one replica is refused on the other; its slots return when its work ends', async () => {
  const prefix = `test-${randomUUID()}:`;
  const a = replica(TEST_REDIS_URL, prefix);
  const b = replica(TEST_REDIS_URL, prefix);
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const { work, endAll } = held();
    // Bound: 1 running + 2 queued = 3 in flight per client, cluster-wide.
    const onA = [1, 2, 3].map(() => a.run('ip:flood', work));
    for (let i = 0; i < 100 && (await redis.zcard(`${prefix}hashgate:ip:flood`)) < 3; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await codeOf(b.run('ip:flood', async () => 'hash'))).toBe('RATE_LIMITED');
    expect(await codeOf(a.run('ip:flood', async () => 'hash'))).toBe('RATE_LIMITED');
    expect(await b.run('ip:someone-else', async () => 'hash')).toBe('hash');

    // The flood's work ends one by one (each started by the local gate in turn).
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 100; j++) {
        endAll();
        await new Promise((r) => setTimeout(r, 10));
        if (await Promise.race([Promise.all(onA).then(() => true), new Promise((r) => setTimeout(() => r(false), 0))])) break;
      }
    }
    await Promise.all(onA);
    expect(await b.run('ip:flood', async () => 'hash')).toBe('hash');
    expect(await redis.zcard(`${prefix}hashgate:ip:flood`)).toBe(0);
  } finally {
    redis.disconnect();
  }
});

test('with Redis unreachable each replica still bounds the client on its own', async () => {
  const own = await startOwnRedis();
  const gate = replica(own.url, `test-${randomUUID()}:`);
  await own.stop();
  const { work, endAll } = held();
  const admitted = [1, 2, 3].map(() => gate.run('ip:flood', work));
  // Each run tries Redis first (and fails fast), so wait for the three to reach the local gate.
  const fourth = codeOf(gate.run('ip:flood', async () => 'hash'));
  let code = await fourth;
  for (let i = 0; i < 50 && code === 'OK'; i++) code = await codeOf(gate.run('ip:flood', async () => 'hash'));
  expect(code).toBe('RATE_LIMITED');
  expect(await gate.run('ip:someone-else', async () => 'hash')).toBe('hash');
  for (let i = 0; i < 100; i++) {
    endAll();
    const done = await Promise.race([Promise.all(admitted).then(() => true), new Promise((r) => setTimeout(() => r(false), 10))]);
    if (done) break;
  }
  await Promise.all(admitted);
}, 30_000);

test("a sampled request's slot is taken and given back in Redis spans of its trace", async () => {
  const gate = replica(TEST_REDIS_URL, `test-${randomUUID()}:`);
  const request = await inSpan('sign-in', {}, async (span, trace) => {
    expect(await gate.run('ip:traced', async () => 'hash', trace)).toBe('hash');
    return span.spanContext().spanId;
  });
  const spans = exporter.getFinishedSpans().filter((s) => s.parentSpanContext?.spanId === request);
  expect(spans.map((s) => [s.name, s.attributes['db.system.name']])).toEqual([['eval', 'redis'], ['zrem', 'redis']]);
});
