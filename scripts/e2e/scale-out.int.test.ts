// Scale-out proof on one machine (real PostgreSQL and Redis): two routers, two replicas of every subgraph
// (scale-cluster.ts; one stack for the whole file). Every replica of every subgraph answers through both
// routers; bookings of one slot through both routers never double-book; a subscriber on router B hears of a
// booking made through router A; two workers process each job once; and killing an appointments replica
// (SIGKILL of its process) during a load run loses no acknowledged booking: every booking that got a success
// answer is in the database, the load goes on over the surviving replica, and a failed one can be retried.
import { randomBytes, randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { consumeQueue, createLogger, createQueueProducer } from '@clinic/service-kit';
import { createTestKeys, signTestToken, TEST_REDIS_URL, type TestKeys } from '@clinic/service-kit/testing';
import { gql } from '../../router/src/testing/harness.ts';
import { connectWs } from '../../router/src/testing/ws.ts';
import { applyDoctorProfileJob, DOCTOR_PROFILE_TOPIC } from '../../subgraphs/appointments/src/directory/doctor-directory.ts';
import { startCluster, type Cluster } from './scale-cluster.ts';

const ZONE = 'Europe/Bucharest';
const REQUEST = 'mutation Book($input: RequestAppointmentInput!) { requestAppointment(input: $input) { id } }';
const ADD_RULE = 'mutation Rule($input: ScheduleRuleInput!) { addScheduleRule(input: $input) { id } }';
const EVERY_SUBGRAPH = `query ScaleSmoke {
  signInOptions { microsoft }
  myAppointments { id }
  myDocuments { id }
  searchMessages(query: "hello") { id }
  assistantTurns { id }
  unreadNotificationCount
}`;

type Answer = { status: number; body: { data?: { requestAppointment?: { id: string } | null } | null; errors?: { extensions?: Record<string, unknown> }[] } };

let keys: TestKeys;
let cluster: Cluster;
let doctorId: string;

const daysAhead = (days: number) => DateTime.now().setZone(ZONE).plus({ days }).toISODate()!;
const slotAt = (days: number, minutesFromNine: number) =>
  DateTime.fromISO(`${daysAhead(days)}T09:00`, { zone: ZONE }).plus({ minutes: minutesFromNine }).toUTC().toISO()!;
const patientToken = () => signTestToken(keys, { sub: randomUUID(), roles: ['PATIENT'] });
const codeOf = (answer: Answer) => answer.body.errors?.[0]?.extensions?.code;
const book = async (routerIndex: number, startsAt: string, token?: string): Promise<Answer> =>
  gql(cluster.routers[routerIndex % 2]!.url, REQUEST, { token: token ?? (await patientToken()), variables: { input: { doctorId, startsAt, reason: 'scale-out' } } }).catch(
    (error: unknown) => ({ status: 0, body: { errors: [{ extensions: { code: `CLIENT:${(error as Error).message}` } }] } }),
  );
const bookedAt = async (startsAt: string) =>
  (await cluster.sql<{ n: number }>('appointments', 'select count(*)::int as n from appointments where doctor_id = ? and starts_at = ?', [doctorId, startsAt]))[0]!.n;

beforeAll(async () => {
  keys = await createTestKeys();
  cluster = await startCluster(keys);
  doctorId = randomUUID();
  await applyDoctorProfileJob(cluster.replicas.appointments![0]!.orm.em.fork(), {
    eventId: randomUUID(),
    topic: DOCTOR_PROFILE_TOPIC,
    payload: { doctorId, specialisations: ['CARDIOLOGY'], languages: ['ro', 'en'], timeZone: ZONE, consultationTypes: ['IN_PERSON'], active: true },
    createdAt: new Date().toISOString(),
  });
  const rule = await gql(cluster.routers[0]!.url, ADD_RULE, {
    token: await signTestToken(keys, { sub: doctorId, roles: ['DOCTOR'] }),
    variables: {
      input: { doctorId, kind: 'WEEKLY', weekdays: [1, 2, 3, 4, 5, 6, 7], startTime: '09:00', endTime: '17:00', validFrom: daysAhead(-1), slotMinutes: 30, consultationType: 'IN_PERSON' },
    },
  });
  if (rule.body.errors) throw new Error(JSON.stringify(rule.body.errors));
}, 300_000);

afterAll(async () => {
  await cluster?.stop();
}, 120_000);

test('every replica of every subgraph answers, through both routers', async () => {
  const served = new Map<string, number>();
  for (const [name, running] of Object.entries(cluster.replicas)) {
    running.forEach((replica, i) =>
      replica.httpServer.on('request', (req) => {
        if (req.url?.startsWith('/graphql')) served.set(`${name}#${i + 1}`, (served.get(`${name}#${i + 1}`) ?? 0) + 1);
      }),
    );
  }
  const token = await patientToken();
  for (let i = 0; i < 6; i++) {
    const res = await gql(cluster.routers[i % 2]!.url, EVERY_SUBGRAPH, { token });
    expect(res.body.errors).toBeUndefined();
  }
  for (const [name, running] of Object.entries(cluster.replicas)) {
    running.forEach((_, i) => expect({ replica: `${name}#${i + 1}`, served: (served.get(`${name}#${i + 1}`) ?? 0) > 0 }).toEqual({ replica: `${name}#${i + 1}`, served: true }));
  }
  // The appointments replica in its own process answered too (its own metrics count its operations).
  const metrics = await (await fetch(cluster.appointmentsProcess.url.replace(/\/graphql$/, '/metrics'))).text();
  expect(metrics).toMatch(/http_responses_total\{service="appointments",route="\/graphql",status="200"\} [1-9]/);
});

test('bookings of one slot through both routers and every appointments replica: exactly one wins', async () => {
  const startsAt = slotAt(1, 0);
  const attempts = await Promise.all(Array.from({ length: 12 }, (_, i) => book(i, startsAt)));
  expect(attempts.filter((a) => a.body.data?.requestAppointment?.id)).toHaveLength(1);
  expect(attempts.filter((a) => !a.body.data?.requestAppointment).map(codeOf)).toEqual(Array(11).fill('CONFLICT'));
  expect(await bookedAt(startsAt)).toBe(1);
});

test('a subscriber on router B hears of a booking made through router A', async () => {
  const ws = connectWs(cluster.routers[1]!.url, await patientToken());
  try {
    const sub = ws.subscribe<{ slotAvailabilityChanged: { startsAt: string; available: boolean } }>(
      'subscription Slots($d: ID!) { slotAvailabilityChanged(doctorId: $d) { startsAt available } }',
      { d: doctorId },
    );
    // Open on an appointments replica (in-process, or the separate process: its metrics say) before booking.
    const external = async () => {
      const text = await (await fetch(cluster.appointmentsProcess.url.replace(/\/graphql$/, '/metrics'))).text();
      return Number(/graphql_subscriptions\{service="appointments",side="client"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    for (let i = 0; i < 400; i++) {
      if (cluster.replicas.appointments![0]!.subscriptionStats().subscriptions + (await external()) === 1) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const startsAt = slotAt(1, 30);
    const res = await book(0, startsAt);
    expect(res.body.errors).toBeUndefined();
    const event = await sub.nth(1, 15_000);
    expect(event.data?.slotAvailabilityChanged).toEqual({ startsAt, available: false });
    sub.unsubscribe();
  } finally {
    await ws.dispose();
  }
});

test('two workers on one queue process every job exactly once', async () => {
  const queue = `${cluster.queuePrefix}scale-${randomBytes(4).toString('hex')}`;
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
    expect(new Set(Object.values(seen).flat())).toEqual(new Set(['a', 'b']));
  } finally {
    for (const w of workers) await w.close();
    await producer.close();
  }
});

test('killing an appointments replica during a load run loses no acknowledged booking', async () => {
  // 64 distinct slots (days 2–5, 09:00–17:00 every 30 minutes), each booked once by its own patient, six at a
  // time through both routers; the separate appointments process is SIGKILLed once 15 bookings are answered.
  const slots = Array.from({ length: 64 }, (_, i) => slotAt(2 + Math.floor(i / 16), (i % 16) * 30));
  const answers: { startsAt: string; token: string; answer: Answer; afterKill: boolean }[] = [];
  let killed: Promise<void> | null = null;
  let next = 0;
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      while (next < slots.length) {
        const i = next++;
        const token = await patientToken();
        const afterKill = killed !== null;
        const answer = await book(i, slots[i]!, token);
        answers.push({ startsAt: slots[i]!, token, answer, afterKill });
        if (!killed && answers.filter((a) => a.answer.body.data?.requestAppointment?.id).length >= 15) killed = cluster.appointmentsProcess.kill();
      }
    }),
  );
  await killed;
  expect(cluster.appointmentsProcess.process.signalCode).toBe('SIGKILL');
  const acknowledged = answers.filter((a) => a.answer.body.data?.requestAppointment?.id);
  const failed = answers.filter((a) => !a.answer.body.data?.requestAppointment?.id);
  // Every booking that got a success answer is in the database.
  const ids = acknowledged.map((a) => a.answer.body.data!.requestAppointment!.id);
  const stored = await cluster.sql<{ id: string }>('appointments', 'select id from appointments where id in (?)', [ids]);
  expect(stored.map((r) => r.id).sort()).toEqual([...ids].sort());
  // The load went on over the surviving replica after the kill.
  expect(acknowledged.filter((a) => a.afterKill).length).toBeGreaterThan(0);
  // A failed booking is retryable: the client sends it again and gets its booking, or learns the first
  // attempt took the slot after all (CONFLICT); never a second appointment in one slot.
  for (const f of failed) {
    expect(['SERVICE_UNAVAILABLE', 'UPSTREAM_TIMEOUT']).toContain(codeOf(f.answer));
    const retry = await book(1, f.startsAt, f.token);
    expect(retry.body.data?.requestAppointment?.id ?? codeOf(retry)).toEqual(retry.body.data?.requestAppointment?.id ? expect.any(String) : 'CONFLICT');
  }
  for (const startsAt of slots) expect(await bookedAt(startsAt)).toBe(1);
  console.log(`scale-out load: ${answers.length} bookings, ${acknowledged.length} acknowledged (${acknowledged.filter((a) => a.afterKill).length} after the kill), ${failed.length} failed and retried`);
}, 180_000);
