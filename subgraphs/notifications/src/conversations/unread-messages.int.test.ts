// Chat's `chat.message_unread` events on our real queue (real Postgres and Redis): one notification per
// (recipient, conversation) per digest window with later events folded into its count, a redelivered event
// changes nothing, the NEW_MESSAGES preference is respected, no message text anywhere, and only the recipient
// reads the notification.
import { randomUUID } from 'node:crypto';
import type { OutboxJob } from '@clinic/service-kit';
import { sql } from '../db.ts';
import { EVENTS_QUEUE } from '../service.ts';
import { addPatient, codeOf, gql, orm, runtime, startHarness, until, type Harness } from '../testing/harness.ts';
import { handleUnreadMessage, MESSAGE_UNREAD_TOPIC } from './unread-messages.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ providers: false });
});
afterAll(async () => {
  await h?.stop();
});

const unreadEvent = (conversationId: string, recipientId: string): OutboxJob => ({
  eventId: randomUUID(),
  topic: MESSAGE_UNREAD_TOPIC,
  createdAt: new Date().toISOString(),
  payload: { conversationId, messageId: randomUUID(), recipientId },
});

async function send(...jobs: OutboxJob[]) {
  for (const job of jobs) await h.events.add(h.queuePrefix + EVENTS_QUEUE, job);
  const ids = jobs.map((j) => j.eventId);
  await until(async () => {
    const rows = await sql(orm(h).em.fork(), `select event_id from processed_events where event_id in (${ids.map(() => '?').join(', ')})`, ids);
    return rows.length === ids.length;
  }, 8_000, 'events handled');
}

/** The way the router asks the subgraph for `User.notifications` (router secret + the caller's token). */
async function notificationsOf(t: string, userId: string) {
  const res = await fetch(h.stack.subgraphs.notifications!.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t}`, 'x-router-secret': 'test-router-secret' },
    body: JSON.stringify({
      query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { notifications { id type title body } } } }`,
      variables: { r: [{ __typename: 'User', id: userId }] },
    }),
  });
  return (await res.json()) as { data?: { _entities: ({ notifications: { id: string; type: string; title: string; body: string }[] } | null)[] }; errors?: { extensions?: { code?: string } }[] };
}

const digestOf = async (userId: string, conversationId: string) =>
  (await sql<{ count: number }>(orm(h).em.fork(), `select unread_count as count from message_digests where user_id = ? and conversation_id = ?`, [userId, conversationId]))[0]?.count;

test('three unread messages in the window → one in-app notification (count 3), one e-mail; redelivery changes nothing; the next window notifies again', async () => {
  const a = await addPatient(h, { smsConsent: false });
  const conversationId = randomUUID();
  const events = [unreadEvent(conversationId, a.id), unreadEvent(conversationId, a.id), unreadEvent(conversationId, a.id)];
  await send(...events);
  // a redelivered event (same id) is a no-op
  await handleUnreadMessage(orm(h).em.fork(), runtime(h).deps, events[0]!);

  const list = (await notificationsOf(a.token, a.id)).data!._entities[0]!.notifications;
  expect(list).toHaveLength(1);
  expect(list[0]!.type).toBe('NEW_MESSAGES');
  expect(list[0]!.body).toContain(`/messages/${conversationId}`);
  expect(await digestOf(a.id, conversationId)).toBe(3);
  const attempts = await sql<{ channel: string; body: string }>(orm(h).em.fork(), `select channel, body from delivery_attempts where user_id = ? and type = 'NEW_MESSAGES'`, [a.id]);
  expect(attempts.map((r) => r.channel)).toEqual(['EMAIL']); // no SMS: no consent and off by default
  expect(attempts[0]!.body).toContain(`/messages/${conversationId}`);

  // past the window, the next unread message notifies again
  h.clock.shift(11 * 60_000);
  try {
    await send(unreadEvent(conversationId, a.id));
  } finally {
    h.clock.shift(0);
  }
  expect((await notificationsOf(a.token, a.id)).data!._entities[0]!.notifications).toHaveLength(2);
  expect(await digestOf(a.id, conversationId)).toBe(1);
});

test('a recipient who opted out of NEW_MESSAGES in-app gets none; another user cannot read or mark it', async () => {
  const a = await addPatient(h, { smsConsent: false });
  const b = await addPatient(h, { smsConsent: false });
  const optOut = await gql(h.url, `mutation { setNotificationPreferences(input: [{ type: NEW_MESSAGES, channel: IN_APP, enabled: false }]) { userId } }`, { token: b.token });
  expect(optOut.body.errors).toBeUndefined();
  await send(unreadEvent(randomUUID(), a.id), unreadEvent(randomUUID(), b.id));

  expect((await notificationsOf(b.token, b.id)).data!._entities[0]!.notifications).toHaveLength(0);
  const mine = (await notificationsOf(a.token, a.id)).data!._entities[0]!.notifications;
  expect(mine).toHaveLength(1);
  expect((await notificationsOf(b.token, a.id)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  expect(codeOf(await gql(h.url, `mutation($id: ID!) { markNotificationRead(id: $id) { id } }`, { token: b.token, variables: { id: mine[0]!.id } }))).toBe('NOT_FOUND');
});

test('an event without valid ids is skipped without a trace in the database', async () => {
  const job = { ...unreadEvent(randomUUID(), randomUUID()), payload: { conversationId: 'nope', recipientId: randomUUID() } };
  await handleUnreadMessage(orm(h).em.fork(), runtime(h).deps, job);
  expect(await sql(orm(h).em.fork(), `select 1 from processed_events where event_id = ?`, [job.eventId])).toHaveLength(0);
});
