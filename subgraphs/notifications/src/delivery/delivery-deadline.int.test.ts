// A reminder e-mail that the provider has not confirmed (no DELIVERED / OPENED webhook) by its deadline goes
// out by SMS instead; one confirmed in time does not. The deadline is measured on the subgraph's clock, which
// the test moves (no sleeping until it passes).
import { randomUUID, sign } from 'node:crypto';
import { sql } from '../db.ts';
import { notify } from './messages.ts';
import { failOverUndelivered } from './deadline.ts';
import { addPatient, DOCTOR_ID, orm, runtime, startHarness, until, type Harness } from '../testing/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});
afterEach(() => h.clock.shift(0));

const em = () => orm(h).em.fork();
const attempt = async (id: string) => (await sql<{ status: string; deliver_by: Date | null }>(em(), `select status, deliver_by from delivery_attempts where id = ?`, [id]))[0]!;

/** A live appointment three hours ahead with its 60-minute e-mail reminder, and that reminder's e-mail sent. */
async function sentReminderEmail(patientId: string) {
  const appointmentId = randomUUID();
  const reminderId = randomUUID();
  const startsAt = new Date(h.clock.now().getTime() + 3 * 3_600_000);
  await sql(em(), `insert into appointment_mirror values (?, ?, ?, 'APPROVED', ?, 'IN_PERSON', now())`, [appointmentId, patientId, DOCTOR_ID, startsAt]);
  await sql(em(), `insert into reminders (id, appointment_id, patient_id, doctor_id, offset_minutes, channel, starts_at, due_at, status) values (?, ?, ?, ?, 60, 'EMAIL', ?, ?, 'SENT')`, [
    reminderId, appointmentId, patientId, DOCTOR_ID, startsAt, new Date(startsAt.getTime() - 3_600_000),
  ]);
  const outcome = await notify(em(), runtime(h).deps, { userId: patientId, type: 'REMINDERS', channel: 'EMAIL', dedupeKey: `reminder/${reminderId}`, reminderId, appointmentId, doctorId: DOCTOR_ID, startsAt });
  if (outcome.kind !== 'queued') throw new Error(outcome.kind);
  await until(async () => (await attempt(outcome.attemptId)).status === 'SENT', 8_000, 'e-mail sent');
  return { reminderId, attemptId: outcome.attemptId };
}

const smsOf = (reminderId: string) => sql<{ id: string; status: string }>(em(), `select id, status from delivery_attempts where reminder_id = ? and channel = 'SMS'`, [reminderId]);

test('no delivery confirmation within the deadline → the reminder goes out by SMS (once)', async () => {
  const p = await addPatient(h);
  const { reminderId, attemptId } = await sentReminderEmail(p.id);
  expect((await attempt(attemptId)).deliver_by).not.toBeNull();

  expect(await failOverUndelivered(em(), runtime(h).deps)).toBe(0);
  expect(await smsOf(reminderId)).toHaveLength(0);

  h.clock.shift(11 * 60_000);
  expect(await failOverUndelivered(em(), runtime(h).deps)).toBe(1);
  const [sms] = await until(async () => {
    const rows = await smsOf(reminderId);
    return rows[0]?.status === 'SENT' ? rows : null;
  }, 8_000, 'failover SMS sent');
  expect(h.twilio.requests.some((r) => (new URLSearchParams(r.body).get('Body') ?? '').includes('Dr. Ion Ionescu'))).toBe(true);
  // a second pass does not send it again
  expect(await failOverUndelivered(em(), runtime(h).deps)).toBe(0);
  expect((await smsOf(reminderId)).map((r) => r.id)).toEqual([sms!.id]);
});

test('a reminder e-mail confirmed delivered in time does not fail over', async () => {
  const p = await addPatient(h);
  const { reminderId, attemptId } = await sentReminderEmail(p.id);
  const body = JSON.stringify([{ event: 'delivered', attemptId, sg_event_id: randomUUID(), timestamp: 1 }]);
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = sign('sha256', Buffer.from(`${timestamp}${body}`), h.sendgridSigningKey).toString('base64');
  const res = await fetch(`${new URL(h.url).origin}/webhooks/sendgrid`, {
    method: 'POST',
    headers: { 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': String(timestamp), 'content-type': 'application/json' },
    body,
  });
  expect(res.status).toBe(200);
  h.clock.shift(30 * 60_000);
  expect(await failOverUndelivered(em(), runtime(h).deps)).toBe(0);
  expect(await smsOf(reminderId)).toHaveLength(0);
});

test('an appointment cancelled meanwhile gets no failover SMS', async () => {
  const p = await addPatient(h);
  const { reminderId } = await sentReminderEmail(p.id);
  await sql(em(), `update appointment_mirror set status = 'CANCELLED' where appointment_id = (select appointment_id from reminders where id = ?)`, [reminderId]);
  h.clock.shift(11 * 60_000);
  expect(await failOverUndelivered(em(), runtime(h).deps)).toBe(0);
  expect(await smsOf(reminderId)).toHaveLength(0);
});
