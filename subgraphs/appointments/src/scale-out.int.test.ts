// Scale-out on one machine, on the real Postgres and Redis: two routers, each balancing over two replicas
// of the appointments subgraph (one schema, one Redis). Concurrent bookings of one slot through both
// routers never double-book; a subscriber on router B hears of a booking made through router A; two
// workers on one queue process every job exactly once.
import { randomBytes, randomUUID } from 'node:crypto';
import { consumeQueue, createQueueProducer, createLogger, startSubgraph, type RunningSubgraph } from '@clinic/service-kit';
import { TEST_REDIS_URL } from '@clinic/service-kit/testing';
import { composeFor, startTestRouter } from '@clinic/router/src/testing/harness.ts';
import { connectWs } from '@clinic/router/src/testing/ws.ts';
import type { RunningRouter } from '@clinic/router/src/router.ts';
import { createAppointmentsSubgraph } from './service.ts';
import { addDoctor, addEverydayRule, codeOf, daysAhead, gql, localToUtc, REQUEST, startAppointments, token, type AppointmentsHarness } from './testing/fixtures.ts';

let h: AppointmentsHarness;
let replica2: RunningSubgraph;
const routers: RunningRouter[] = [];
let doctorId: string;

beforeAll(async () => {
  h = await startAppointments();
  const replica1 = h.stack.subgraphs.appointments!;
  // A second replica of the same service: same schema, same Redis, same queue prefix.
  const def = createAppointmentsSubgraph({ clinic: h.clinic, queuePrefix: h.queuePrefix, relayPollMs: 50, sweepIntervalMs: 3_600_000 });
  replica2 = await startSubgraph(def, { ...replica1.config, port: 0 });
  const sdl = composeFor([{ definition: def, url: replica1.url }]);
  for (const order of [`${replica1.url},${replica2.url}`, `${replica2.url},${replica1.url}`]) {
    routers.push(await startTestRouter(h.keys, sdl, { SUBGRAPH_APPOINTMENTS_URL: order }));
  }
  doctorId = (await addDoctor(h)).doctorId;
  await addEverydayRule(h, doctorId);
});

afterAll(async () => {
  for (const router of routers) await router.stop();
  await replica2?.stop();
  await h?.stop();
});

test('bookings of one slot through both routers and both replicas: exactly one wins', async () => {
  const startsAt = localToUtc(daysAhead(3), '10:00');
  const served = [0, 0];
  h.stack.subgraphs.appointments!.httpServer.on('request', () => (served[0]! += 1));
  replica2.httpServer.on('request', () => (served[1]! += 1));
  const attempts = await Promise.all(
    Array.from({ length: 12 }, async (_, i) =>
      gql<{ requestAppointment: { id: string } }>(routers[i % 2]!.url, REQUEST, {
        token: await token(h, randomUUID(), ['PATIENT']),
        variables: { input: { doctorId, startsAt, reason: 'scale-out' } },
      }),
    ),
  );
  const won = attempts.filter((r) => r.body.data?.requestAppointment?.id);
  expect(won).toHaveLength(1);
  expect(attempts.filter((r) => !r.body.data?.requestAppointment).map(codeOf)).toEqual(Array(11).fill('CONFLICT'));
  // Both replicas served bookings (each router balances over both).
  expect(served[0]).toBeGreaterThan(0);
  expect(served[1]).toBeGreaterThan(0);
  const rows = await h.stack.subgraphs.appointments!.orm.em.getConnection().execute(`select count(*)::int as n from appointments where doctor_id = ? and starts_at = ?`, [doctorId, startsAt]);
  expect(rows[0]!.n).toBe(1);
});

test('a subscriber on router B hears of a booking made through router A', async () => {
  const ws = connectWs(routers[1]!.url, await token(h, randomUUID(), ['PATIENT']));
  try {
    const sub = ws.subscribe<{ slotAvailabilityChanged: { startsAt: string; available: boolean } }>(
      'subscription($d: ID!) { slotAvailabilityChanged(doctorId: $d) { startsAt available } }',
      { d: doctorId },
    );
    await new Promise((r) => setTimeout(r, 300));
    const startsAt = localToUtc(daysAhead(3), '11:00');
    const res = await gql(routers[0]!.url, REQUEST, { token: await token(h, randomUUID(), ['PATIENT']), variables: { input: { doctorId, startsAt, reason: 'x' } } });
    expect(res.body.errors).toBeUndefined();
    const event = await sub.nth(1, 10_000);
    expect(event.data?.slotAvailabilityChanged).toEqual({ startsAt, available: false });
    sub.unsubscribe();
  } finally {
    await ws.dispose();
  }
});

test('two workers on one queue process every job exactly once', async () => {
  const queue = `scale-${randomBytes(4).toString('hex')}`;
  const logger = createLogger('scale-out', 'silent');
  const seen: Record<string, string[]> = {};
  const worker = (name: string) =>
    consumeQueue(queue, TEST_REDIS_URL, async (job) => {
      (seen[job.eventId] ??= []).push(name);
      await new Promise((r) => setTimeout(r, 5));
    }, logger, { concurrency: 2 });
  const workers = [worker('a'), worker('b')];
  const producer = createQueueProducer(TEST_REDIS_URL, logger);
  try {
    const ids = Array.from({ length: 40 }, () => randomUUID());
    for (const eventId of ids) await producer.add(queue, { eventId, topic: 'scale.test', payload: {}, createdAt: new Date().toISOString() });
    // The same event again (a relay redelivering after a crash) is deduplicated.
    await producer.add(queue, { eventId: ids[0]!, topic: 'scale.test', payload: {}, createdAt: new Date().toISOString() });
    for (let i = 0; i < 400 && Object.keys(seen).length < ids.length; i++) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 200));
    expect(Object.keys(seen).sort()).toEqual([...ids].sort());
    expect(Object.values(seen).every((by) => by.length === 1)).toBe(true);
    const by = new Set(Object.values(seen).flat());
    expect(by).toEqual(new Set(['a', 'b']));
  } finally {
    for (const w of workers) await w.close();
    await producer.close();
  }
});
