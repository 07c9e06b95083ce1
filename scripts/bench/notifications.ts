// Notifications benchmark: N e-mail/SMS notifications through the delivery queue to stub SendGrid/Twilio
// servers (the real SDKs), with two workers on the queue; then R reminders as delayed jobs due a few
// seconds ahead, measuring how late each one went out. Reports throughput, p50/p95/max lateness, memory.
// Real Postgres (a throwaway schema) and Redis from DATABASE_URL / REDIS_URL; loopback only.
//   npx tsx scripts/bench/notifications.ts [N=10000] [R=1000]
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { startSubgraph } from '@clinic/service-kit';
import { createTestKeys, dropSchema, testServiceConfig } from '@clinic/service-kit/testing';
import { createNotificationsSubgraph } from '@clinic/notifications';
import { staticContacts, type Contact } from '@clinic/notifications/src/delivery/contacts.ts';
import { createMessage } from '@clinic/notifications/src/delivery/messages.ts';
import { deliverAttempt } from '@clinic/notifications/src/delivery/deliver.ts';
import { runReminder } from '@clinic/notifications/src/reminders/reminders.ts';
import { startQueues } from '@clinic/notifications/src/queues.ts';
import { sql } from '@clinic/notifications/src/db.ts';
import { testPolicy } from '@clinic/notifications/src/testing/harness.ts';
import { startStubProvider } from '@clinic/notifications/src/testing/stub-providers.ts';

const N = Number(process.argv[2] ?? 10_000);
const R = Number(process.argv[3] ?? 1_000);
const USERS = 200;

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function main() {
  const sendgrid = await startStubProvider('sendgrid');
  const twilio = await startStubProvider('twilio');
  const contacts = new Map<string, Contact>();
  const users = Array.from({ length: USERS }, () => randomUUID());
  for (const id of users) contacts.set(id, { email: `${id.slice(0, 8)}@bench.test`, phone: '+40700000001', displayName: 'Bench User' });
  const prefix = `bench${randomBytes(3).toString('hex')}-`;
  const def = createNotificationsSubgraph({
    env: { SENDGRID_API_KEY: 'SG.bench', SENDGRID_API_URL: sendgrid.url, TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'x', TWILIO_FROM: '+40700000000', TWILIO_API_URL: twilio.url },
    queuePrefix: prefix,
    contacts: staticContacts(contacts),
    policy: testPolicy(),
    sweepIntervalMs: 3_600_000,
    concurrency: 16,
  });
  const config = testServiceConfig('notifications', await createTestKeys(), { LOG_LEVEL: 'warn', DB_POOL_MAX: '20' });
  const running = await startSubgraph(def, config);
  const deps = def.runtime()!.deps;
  const orm = running.orm;
  // the second worker on the same queues
  const second = startQueues(
    { redisUrl: config.redisUrl, prefix, logger: deps.logger, attempts: 3, retryDelayMs: 50, concurrency: 16, now: deps.now },
    { reminder: (id) => runReminder(orm.em.fork(), deps, id), delivery: (id, last) => deliverAttempt(orm.em.fork(), deps, id, last) },
  );
  for (const u of users) await sql(orm.em.fork(), `insert into notification_settings (user_id, sms_consent_granted, sms_consent_method, sms_consent_at) values (?, true, 'bench', now())`, [u]);
  const before = process.memoryUsage();

  // 1. throughput: N messages through the delivery queue
  const t0 = performance.now();
  const batch = 200;
  for (let i = 0; i < N; i += batch) {
    const outcomes = await orm.em.fork().transactional(async (tx) => {
      const list = [];
      for (let j = i; j < Math.min(N, i + batch); j++) {
        list.push(await createMessage(tx, deps, { userId: users[j % USERS]!, type: 'SECURITY', channel: j % 2 ? 'SMS' : 'EMAIL', dedupeKey: `bench/${j}` }));
      }
      return list;
    });
    for (const o of outcomes) if (o.kind === 'queued') await deps.queues.delivery(o.attemptId, false);
  }
  const queuedAt = performance.now();
  for (;;) {
    const [row] = await sql<{ n: string }>(orm.em.fork(), `select count(*) as n from delivery_attempts where status = 'QUEUED'`);
    if (Number(row!.n) === 0) break;
    if (performance.now() - t0 > 600_000) throw new Error('deliveries did not finish in 10 minutes');
    await new Promise((r) => setTimeout(r, 100));
  }
  const elapsed = (performance.now() - t0) / 1000;
  const [failed] = await sql<{ n: string }>(orm.em.fork(), `select count(*) as n from delivery_attempts where status <> 'SENT'`);
  console.log(`deliveries: ${N} (${sendgrid.requests.length} e-mail, ${twilio.requests.length} SMS) in ${elapsed.toFixed(1)} s → ${(N / elapsed).toFixed(0)}/s (render+queue ${((queuedAt - t0) / 1000).toFixed(1)} s), not sent: ${failed!.n}`);

  // 2. lateness of delayed reminders (in-app, so only the queue and the database are measured): rows first,
  // then due instants 2 ms apart starting a moment after the last job is queued
  const far = new Date(Date.now() + 86_400_000);
  for (let i = 0; i < R; i += 100) {
    await orm.em.fork().transactional(async (tx) => {
      for (let j = i; j < Math.min(R, i + 100); j++) {
        const appointmentId = randomUUID();
        const startsAt = new Date(far.getTime() + 3_600_000);
        await sql(tx, `insert into appointment_mirror values (?, ?, ?, 'APPROVED', ?, 'IN_PERSON', now())`, [appointmentId, users[j % USERS], users[0], startsAt]);
        await sql(tx, `insert into reminders (id, appointment_id, patient_id, doctor_id, offset_minutes, channel, starts_at, due_at, status) values (?, ?, ?, ?, 60, 'IN_APP', ?, ?, 'PENDING')`, [
          randomUUID(), appointmentId, users[j % USERS], users[0], startsAt, far,
        ]);
      }
    });
  }
  const dueBase = new Date(Date.now() + 2_000 + R * 2);
  const due = await sql<{ id: string; due_at: Date }>(
    orm.em.fork(),
    `update reminders r set due_at = ?::timestamptz + x.n * interval '2 milliseconds'
     from (select id, row_number() over (order by id) as n from reminders where status = 'PENDING') x where r.id = x.id returning r.id, r.due_at`,
    [dueBase],
  );
  await deps.queues.reminders(due.map((r) => ({ id: r.id, at: new Date(r.due_at) })));
  if (Date.now() > dueBase.getTime()) console.log(`(queueing ${R} reminders took longer than the lead; lateness includes that)`);
  for (;;) {
    const [row] = await sql<{ n: string }>(orm.em.fork(), `select count(*) as n from reminders where status = 'PENDING'`);
    if (Number(row!.n) === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const rows = await sql<{ due_at: Date; sent_at: Date }>(orm.em.fork(), `select due_at, sent_at from reminders where status = 'SENT'`);
  const lateness = rows.map((r) => new Date(r.sent_at).getTime() - new Date(r.due_at).getTime()).sort((a, b) => a - b);
  console.log(`reminders: ${rows.length}/${R} sent; lateness p50 ${pct(lateness, 0.5)} ms, p95 ${pct(lateness, 0.95)} ms, max ${lateness.at(-1)} ms (target p95 < 1000 ms)`);
  const after = process.memoryUsage();
  console.log(`memory (this process: subgraph + two workers + stubs): rss ${mb(before.rss)} → ${mb(after.rss)}, heap ${mb(before.heapUsed)} → ${mb(after.heapUsed)}`);

  for (const q of def.runtime()!.queues.queues) await q.obliterate({ force: true }).catch(() => undefined);
  await second.close();
  await running.stop();
  await dropSchema(config.dbSchema);
  await sendgrid.close();
  await twilio.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
