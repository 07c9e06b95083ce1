// Frequency control on the real queue and database: the per-channel hourly cap defers (never drops) what is
// over it to the next hour, security and urgent notices are exempt; a burst of unread chat messages becomes one
// digest whose text says how many messages it stands for.
import { randomUUID } from 'node:crypto';
import type { OutboxJob } from '@clinic/service-kit';
import { sql } from '../db.ts';
import { EVENTS_QUEUE } from '../service.ts';
import { MESSAGE_UNREAD_TOPIC } from '../conversations/unread-messages.ts';
import { notify } from './messages.ts';
import { addPatient, orm, runtime, startHarness, until, type Harness } from '../testing/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ policy: { hourlyCap: { EMAIL: 2 } } });
});
afterAll(async () => {
  await h?.stop();
});

const em = () => orm(h).em.fork();
const attempt = async (id: string) => (await sql<{ status: string; not_before: Date | null; body: string; subject: string }>(em(), `select * from delivery_attempts where id = ?`, [id]))[0]!;

async function email(userId: string, type: 'APPOINTMENT_UPDATES' | 'SECURITY', urgent = false) {
  const outcome = await notify(em(), runtime(h).deps, { userId, type, channel: 'EMAIL', dedupeKey: `test/${randomUUID()}`, change: 'approved', urgent });
  if (outcome.kind !== 'queued') throw new Error(outcome.kind);
  return outcome;
}

test('over the hourly e-mail cap → deferred to the next hour, not dropped; security and urgent ones are exempt', async () => {
  const p = await addPatient(h);
  const first = await email(p.id, 'APPOINTMENT_UPDATES');
  const second = await email(p.id, 'APPOINTMENT_UPDATES');
  const third = await email(p.id, 'APPOINTMENT_UPDATES');
  expect(first.notBefore).toBeNull();
  expect(second.notBefore).toBeNull();
  const nextHour = new Date(Math.floor(h.clock.now().getTime() / 3_600_000) * 3_600_000 + 3_600_000);
  expect(third.notBefore).toEqual(nextHour);
  expect(new Date((await attempt(third.attemptId)).not_before!)).toEqual(nextHour);

  const security = await email(p.id, 'SECURITY');
  const urgent = await email(p.id, 'APPOINTMENT_UPDATES', true);
  expect(security.notBefore).toBeNull();
  expect(urgent.notBefore).toBeNull();
  for (const id of [first.attemptId, second.attemptId, security.attemptId, urgent.attemptId]) {
    await until(async () => (await attempt(id)).status === 'SENT', 8_000, 'sent');
  }
  expect((await attempt(third.attemptId)).status).toBe('QUEUED');
  const to = h.contacts.get(p.id)!.email!;
  expect(h.sendgrid.requests.filter((r) => r.body.includes(to))).toHaveLength(4);
  // another recipient has their own allowance
  const q = await addPatient(h);
  expect((await email(q.id, 'APPOINTMENT_UPDATES')).notBefore).toBeNull();
});

const unread = (conversationId: string, recipientId: string): OutboxJob => ({
  eventId: randomUUID(),
  topic: MESSAGE_UNREAD_TOPIC,
  createdAt: new Date().toISOString(),
  payload: { conversationId, messageId: randomUUID(), recipientId },
});

test('three unread messages in one window → one digest saying 3, e-mailed when the window closes', async () => {
  const p = await addPatient(h, { smsConsent: false });
  await fetch(h.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${p.token}` },
    body: JSON.stringify({ query: `mutation { updateNotificationSettings(input: { locale: "en" }) { locale } }` }),
  });
  const conversationId = randomUUID();
  const jobs = [unread(conversationId, p.id), unread(conversationId, p.id), unread(conversationId, p.id)];
  for (const job of jobs) await h.events.add(h.queuePrefix + EVENTS_QUEUE, job);
  await until(async () => (await sql(em(), `select 1 from processed_events where event_id in (?, ?, ?)`, jobs.map((j) => j.eventId))).length === 3, 8_000, 'handled');

  const inApp = await sql<{ title: string; body: string }>(em(), `select title, body from notifications where user_id = ? and type = 'NEW_MESSAGES'`, [p.id]);
  expect(inApp).toHaveLength(1);
  expect(inApp[0]!.body).toBe(`3 new message(s) in your clinic conversation: /messages/${conversationId}`);
  const [mail] = await sql<{ id: string; status: string; subject: string; body: string; not_before: Date }>(
    em(),
    `select id, status, subject, body, not_before from delivery_attempts where user_id = ? and type = 'NEW_MESSAGES' and channel = 'EMAIL'`,
    [p.id],
  );
  expect(mail!.status).toBe('QUEUED');
  expect(mail!.subject).toBe('New messages: 3');
  expect(mail!.body).toContain('You have 3 new message(s)');
  const [window] = await sql<{ window_started_at: Date }>(em(), `select window_started_at from message_digests where user_id = ?`, [p.id]);
  expect(new Date(mail!.not_before).getTime()).toBe(new Date(window!.window_started_at).getTime() + runtime(h).deps.policy.messageDigestMinutes * 60_000);
});
