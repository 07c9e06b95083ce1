// The CHAT channel across both services on real Redis/BullMQ: notifications hands a reminder to chat's queue,
// the real chat subgraph posts it as a SYSTEM message in that appointment's conversation (once, however often
// it is delivered) and answers; the attempt becomes DELIVERED. With no conversation for the appointment, chat
// says so and the reminder fails over to SMS.
import { randomBytes, randomUUID } from 'node:crypto';
import { CHAT_NOTIFICATION_TOPIC, type OutboxJob } from '@clinic/service-kit';
import { ANONYMOUS } from '@clinic/service-kit';
import { createChatSubgraph, CHAT_APPOINTMENTS_QUEUE } from '@clinic/chat';
import { applyNotificationMessage } from '@clinic/chat/src/care/notification-messages.ts';
import type { ChatContext } from '@clinic/chat/src/context.ts';
import { sql } from '../db.ts';
import { notify } from './messages.ts';
import { addPatient, DOCTOR_ID, gql, orm, runtime, startHarness, until, type Harness } from '../testing/harness.ts';

let h: Harness;
const chat = (prefix: string) => createChatSubgraph({ kek: randomBytes(32), queuePrefix: prefix, relayPollMs: 50, env: { NODE_ENV: 'test' } });
let chatDef: ReturnType<typeof chat>;
beforeAll(async () => {
  h = await startHarness({ with: (prefix) => [(chatDef = chat(prefix))] });
});
afterAll(async () => {
  await h?.stop();
});

const em = () => orm(h).em.fork();
const attempt = async (id: string) => (await sql<{ status: string; error: string | null }>(em(), `select status, error from delivery_attempts where id = ?`, [id]))[0]!;

/** An approved appointment as appointments' relay tells chat (chat opens its conversation), and its reminder row. */
async function appointmentOf(patientId: string, withConversation: boolean) {
  const appointmentId = randomUUID();
  if (withConversation) {
    await h.events.add(h.queuePrefix + CHAT_APPOINTMENTS_QUEUE, {
      eventId: randomUUID(),
      topic: 'appointment.approved',
      createdAt: new Date().toISOString(),
      payload: { appointmentId, patientId, doctorId: DOCTOR_ID, status: 'APPROVED' },
    });
  }
  const reminderId = randomUUID();
  const startsAt = new Date(Date.now() + 3 * 3_600_000);
  await sql(em(), `insert into reminders (id, appointment_id, patient_id, doctor_id, offset_minutes, channel, starts_at, due_at, status) values (?, ?, ?, ?, 60, 'CHAT', ?, ?, 'SENT')`, [
    reminderId, appointmentId, patientId, DOCTOR_ID, startsAt, new Date(startsAt.getTime() - 3_600_000),
  ]);
  return { appointmentId, reminderId, startsAt };
}

const CONVERSATION = `query($id: ID!) { conversation(id: $id) { id messages { messages { kind body } } } }`;
type Conversation = { conversation: { id: string; messages: { messages: { kind: string; body: string }[] } } | null };

test('a reminder for a patient who chose chat becomes a system message in the appointment conversation, once', async () => {
  const p = await addPatient(h);
  const a = await appointmentOf(p.id, true);
  const chatEm = () => h.stack.subgraphs.chat!.orm.em.fork();
  const [row] = await until(async () => {
    const rows = await chatEm().execute<{ id: string }[]>(`select id from conversations where appointment_id = ?`, [a.appointmentId]);
    return rows.length ? rows : null;
  }, 10_000, 'conversation opened');
  const conversationOf = async () => {
    const res = await gql<Conversation>(h.url, CONVERSATION, { token: p.token, variables: { id: row!.id } });
    if (!res.body.data) throw new Error(JSON.stringify(res.body.errors));
    return res.body.data.conversation;
  };

  await gql(h.url, `mutation { setNotificationPreferences(input: [{ type: REMINDERS, channel: CHAT, enabled: true }]) { userId } }`, { token: p.token });
  const outcome = await notify(em(), runtime(h).deps, { userId: p.id, type: 'REMINDERS', channel: 'CHAT', dedupeKey: `reminder/${a.reminderId}`, reminderId: a.reminderId, appointmentId: a.appointmentId, doctorId: DOCTOR_ID, startsAt: a.startsAt });
  if (outcome.kind !== 'queued') throw new Error(outcome.kind);
  await until(async () => (await attempt(outcome.attemptId)).status === 'DELIVERED', 10_000, 'chat answered POSTED');
  const conversation = (await conversationOf())!;
  expect(conversation.messages.messages).toEqual([
    { kind: 'SYSTEM', body: 'appointment.approved' },
    { kind: 'SYSTEM', body: 'notification.reminder' },
  ]);

  // the same notification delivered to chat again posts nothing
  const running = h.stack.subgraphs.chat!;
  const services = ((await chatDef.context!({ viewer: ANONYMOUS, requestId: 't', ip: null, logger: running.logger, em: running.orm.em.fork(), pubsub: running.pubsub }, running)) as ChatContext).chat;
  const job: OutboxJob = { eventId: outcome.attemptId, topic: CHAT_NOTIFICATION_TOPIC, createdAt: new Date().toISOString(), payload: { notificationId: outcome.attemptId, appointmentId: a.appointmentId, recipientId: p.id, code: 'notification.reminder' } };
  expect(await applyNotificationMessage(running.orm, services, job)).toBeNull();
  expect((await conversationOf())!.messages.messages).toHaveLength(2);
  // no SMS, no extra in-app copy
  expect(await sql(em(), `select 1 from delivery_attempts where reminder_id = ? and channel <> 'CHAT'`, [a.reminderId])).toHaveLength(0);
});

test('no conversation for the appointment → chat says so and the reminder goes out by SMS instead', async () => {
  const p = await addPatient(h);
  const a = await appointmentOf(p.id, false);
  const outcome = await notify(em(), runtime(h).deps, { userId: p.id, type: 'REMINDERS', channel: 'CHAT', dedupeKey: `reminder/${a.reminderId}`, reminderId: a.reminderId, appointmentId: a.appointmentId, doctorId: DOCTOR_ID, startsAt: a.startsAt, allowed: true });
  if (outcome.kind !== 'queued') throw new Error(outcome.kind);
  await until(async () => (await attempt(outcome.attemptId)).status === 'FAILED', 10_000, 'chat answered NO_CONVERSATION');
  expect((await attempt(outcome.attemptId)).error).toBe('no conversation for this appointment');
  await until(async () => {
    const [sms] = await sql<{ status: string }>(em(), `select status from delivery_attempts where reminder_id = ? and channel = 'SMS'`, [a.reminderId]);
    return sms?.status === 'SENT';
  }, 10_000, 'failover SMS sent');
});
