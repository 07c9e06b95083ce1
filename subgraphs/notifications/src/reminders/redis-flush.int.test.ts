// Nothing is lost if Redis loses its data: a reminder whose delayed job vanished (FLUSHALL on a private
// redis-server this test starts — never the shared one) is still sent at its instant, because the sweeper
// re-queues due rows that were not sent (its own timer keeps running when the flush took the cluster-wide
// scheduler with it).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createTestKeys, dropSchema, testServiceConfig } from '@clinic/service-kit/testing';
import { startSubgraph, type RunningSubgraph } from '@clinic/service-kit';
import { createNotificationsSubgraph } from '../service.ts';
import { staticContacts } from '../delivery/contacts.ts';
import { sql } from '../db.ts';
import { handleAppointmentEvent } from './appointment-events.ts';
import { testClock, testPolicy, until, DOCTOR_ID } from '../testing/harness.ts';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

let redisServer: ChildProcess;
let redis: Redis;
let running: RunningSubgraph;
let def: ReturnType<typeof createNotificationsSubgraph>;
// The reminder is due a minute after it is planned; the test moves this clock instead of waiting (no margins).
const clock = testClock();

beforeAll(async () => {
  const port = await freePort();
  redisServer = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'], { stdio: 'ignore' });
  const answers = () =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
  await until(async () => (await answers()) || null, 10_000, 'private redis');
  redis = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: null });
  await redis.ping();
  const contacts = staticContacts(new Map([[randomUUID(), { email: null, phone: null, displayName: '' }]]));
  def = createNotificationsSubgraph({ env: {}, contacts, policy: testPolicy(), sweepIntervalMs: 200, queuePrefix: 'flush-', now: clock.now });
  running = await startSubgraph(def, testServiceConfig('notifications', await createTestKeys(), { REDIS_URL: `redis://127.0.0.1:${port}` }));
});

afterAll(async () => {
  await running?.stop();
  if (running) await dropSchema(running.config.dbSchema);
  redis?.disconnect();
  redisServer?.kill();
});

test('Redis flushed after the reminder was queued: the sweeper re-queues it and it is still sent once', async () => {
  const patientId = randomUUID();
  const appointmentId = randomUUID();
  const startsAt = new Date(Date.now() + 60 * 60_000 + 60_000);
  await handleAppointmentEvent(running.orm.em.fork(), def.runtime()!.deps, {
    eventId: randomUUID(),
    topic: 'appointment.approved',
    createdAt: new Date().toISOString(),
    payload: { appointmentId, patientId, doctorId: DOCTOR_ID, status: 'APPROVED', startsAt: startsAt.toISOString(), consultationType: 'IN_PERSON', occurredAt: new Date().toISOString() },
  });
  const delayed = async () => (await def.runtime()!.queues.queues[0]!.getDelayedCount()) > 0;
  await until(async () => (await delayed()) || null, 10_000, 'delayed job');
  await redis.flushall();
  expect(await delayed()).toBe(false);
  clock.shift(61_000);
  const rows = await until(async () => {
    const r = await sql<{ status: string }>(running.orm.em.fork(), `select status from reminders where appointment_id = ? and offset_minutes = 60`, [appointmentId]);
    return r.length && r.every((x) => x.status === 'SENT') ? r : null;
  }, 15_000, 'reminders sent after the flush');
  expect(rows.map((r) => r.status)).toEqual(['SENT', 'SENT']);
  const inApp = await sql(running.orm.em.fork(), `select id from notifications where user_id = ? and type = 'REMINDERS'`, [patientId]);
  expect(inApp).toHaveLength(1);
});
