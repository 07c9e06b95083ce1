// Chat through the router's single endpoint over graphql-ws, on the real Postgres and Redis: two users talk
// live with receipts flowing back; typing reaches the other side and is never stored; an offline user gets a
// notification event (ids only) and fetches what they missed by cursor; a removed group member stops
// receiving at once, also a message sent while the removal commits; a retried send stores one message.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from '@clinic/service-kit/testing';
import { eventually } from '@clinic/router/src/testing/ws.ts';
import { codeOf, gql, knowAppointment, MESSAGE_ADDED, send, startChat, startDirect, startGroup, token, ws, type ChatHarness } from '../testing/fixtures.ts';
import { NOTIFICATIONS_QUEUE } from '../service.ts';

let h: ChatHarness;
let redis: Redis;
const patientId = randomUUID();
const doctorId = randomUUID();
let patient: string;
let doctor: string;
let conversationId: string;

beforeAll(async () => {
  h = await startChat();
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  patient = await token(h, patientId, ['PATIENT']);
  doctor = await token(h, doctorId, ['DOCTOR']);
  await knowAppointment(h, patientId, doctorId);
  conversationId = await startDirect(h, patient, doctorId);
});

afterAll(async () => {
  const q = new Queue(h.queuePrefix + NOTIFICATIONS_QUEUE, { connection: redis });
  await q.obliterate({ force: true }).catch(() => {});
  await q.close();
  await h?.stop();
  redis?.disconnect();
});

afterEach(async () => {
  // Every test starts with no live subscription (so "subscribed" waits and presence are exact).
  for (const c of h.clients.splice(0)) await c.dispose();
  await eventually(() => h.stack.subgraphs.chat!.subscriptionStats().subscriptions === 0, 5_000, 'subscriptions closed');
});

const chatSql = <T>(sql: string, params: unknown[] = []) => h.stack.subgraphs.chat!.orm.em.fork().execute<T[]>(sql, params);

test('two users chat live through the router, and receipts flow back to the sender', async () => {
  const doctorWs = ws(h, doctor);
  const patientWs = ws(h, patient);
  const incoming = doctorWs.subscribe<{ messageAdded: { id: string; body: string; sender: { id: string } } }>(MESSAGE_ADDED, { id: conversationId });
  const receipts = patientWs.subscribe<{ receiptUpdated: { user: { id: string }; deliveredUpTo: string | null; readUpTo: string | null } }>(
    `subscription($id: ID!) { receiptUpdated(conversationId: $id) { user { id } deliveredUpTo readUpTo } }`,
    { id: conversationId },
  );
  await eventually(() => h.stack.subgraphs.chat!.subscriptionStats().subscriptions >= 2, 5_000, 'subscriptions open');

  const sent = await send(h, patient, conversationId, 'Hello doctor, my results came back');
  expect(sent.receipts).toEqual([{ user: { id: doctorId }, status: 'SENT' }]);
  const got = await incoming.nth(1);
  expect(got.data!.messageAdded).toEqual({ id: sent.id, body: 'Hello doctor, my results came back', sender: { id: patientId }, kind: 'TEXT' });

  const MARK = `mutation($c: ID!, $m: ID!) { markDelivered(conversationId: $c, upToMessageId: $m) { id } }`;
  expect((await gql(h.url, MARK, { token: doctor, variables: { c: conversationId, m: sent.id } })).body.errors).toBeUndefined();
  expect((await receipts.nth(1)).data!.receiptUpdated).toEqual({ user: { id: doctorId }, deliveredUpTo: sent.id, readUpTo: null });
  const READ = `mutation($c: ID!, $m: ID!) { markRead(conversationId: $c, upToMessageId: $m) { unreadCount } }`;
  expect((await gql<{ markRead: { unreadCount: number } }>(h.url, READ, { token: doctor, variables: { c: conversationId, m: sent.id } })).body.data!.markRead.unreadCount).toBe(0);
  expect((await receipts.nth(2)).data!.receiptUpdated).toEqual({ user: { id: doctorId }, deliveredUpTo: sent.id, readUpTo: sent.id });

  const thread = await gql<{ conversation: { messages: { messages: { id: string; receipts: { status: string }[] }[] } } }>(
    h.url,
    `query($id: ID!) { conversation(id: $id) { messages { messages { id receipts { status } } } } }`,
    { token: patient, variables: { id: conversationId } },
  );
  expect(thread.body.data!.conversation.messages.messages.find((m) => m.id === sent.id)!.receipts).toEqual([{ status: 'READ' }]);
  incoming.unsubscribe();
  receipts.unsubscribe();
});

test('typing reaches the other participant, is throttled, and is never stored', async () => {
  const tables = ['conversations', 'participants', 'messages', 'message_terms', 'outbox_events', 'known_appointments', 'processed_events'];
  const snapshot = async () => {
    const out: string[] = [];
    for (const t of tables) out.push(JSON.stringify(await chatSql(`select * from ${t} order by 1`)));
    return out.join('\n');
  };
  const doctorWs = ws(h, doctor);
  const patientWs = ws(h, patient);
  const TYPING = `subscription($id: ID!) { typing(conversationId: $id) { conversationId user { id } at } }`;
  const seenByDoctor = doctorWs.subscribe<{ typing: { user: { id: string } } }>(TYPING, { id: conversationId });
  const seenByPatient = patientWs.subscribe<{ typing: { user: { id: string } } }>(TYPING, { id: conversationId });
  await eventually(() => h.stack.subgraphs.chat!.subscriptionStats().subscriptions >= 2, 5_000, 'subscriptions open');
  const before = await snapshot();

  const TYPE = `mutation($id: ID!) { sendTyping(conversationId: $id) }`;
  expect((await gql<{ sendTyping: boolean }>(h.url, TYPE, { token: patient, variables: { id: conversationId } })).body.data!.sendTyping).toBe(true);
  expect((await gql<{ sendTyping: boolean }>(h.url, TYPE, { token: patient, variables: { id: conversationId } })).body.data!.sendTyping).toBe(false);
  expect((await seenByDoctor.nth(1)).data!.typing.user.id).toBe(patientId);
  // The doctor's own typing reaches the patient; the patient never hears their own.
  await gql(h.url, TYPE, { token: doctor, variables: { id: conversationId } });
  expect((await seenByPatient.nth(1)).data!.typing.user.id).toBe(doctorId);
  expect(seenByDoctor.events).toHaveLength(1);
  expect(await snapshot()).toBe(before);
  seenByDoctor.unsubscribe();
  seenByPatient.unsubscribe();
});

test('an offline participant gets a notification event (ids only) and fetches what they missed by cursor', async () => {
  const otherDoctorId = randomUUID();
  const otherDoctor = await token(h, otherDoctorId, ['DOCTOR']);
  // Staff may write to anyone.
  const conv = await startDirect(h, otherDoctor, patientId);
  const seen = await send(h, otherDoctor, conv, 'First, while you were here');

  const a = await send(h, patient, conv, 'Are you there?');
  const b = await send(h, patient, conv, 'Second message');
  const notifications = new Queue(h.queuePrefix + NOTIFICATIONS_QUEUE, { connection: redis });
  let jobs: { data: { topic: string; payload: Record<string, unknown> } }[] = [];
  try {
    const deadline = Date.now() + 5_000;
    while (jobs.filter((j) => j.data.payload.recipientId === otherDoctorId).length < 2 && Date.now() < deadline) {
      jobs = (await notifications.getJobs(['waiting', 'delayed', 'active', 'completed'])) as never;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await notifications.close();
  }
  const mine = jobs.filter((j) => j.data.payload.recipientId === otherDoctorId);
  expect(mine.map((j) => j.data.payload.messageId).sort()).toEqual([a.id, b.id].sort());
  for (const j of mine) {
    expect(j.data.topic).toBe('chat.message_unread');
    expect(Object.keys(j.data.payload).sort()).toEqual(['conversationId', 'messageId', 'recipientId']);
  }

  // Back online: everything after the last message the client had, oldest first.
  const MISSED = `query($id: ID!, $after: ID) { conversation(id: $id) { unreadCount messages(after: $after) { messages { id body } endCursor hasMore } } }`;
  const missed = await gql<{ conversation: { unreadCount: number; messages: { messages: { id: string; body: string }[]; endCursor: string; hasMore: boolean } } }>(
    h.url, MISSED, { token: otherDoctor, variables: { id: conv, after: seen.id } },
  );
  expect(missed.body.data!.conversation.messages.messages).toEqual([{ id: a.id, body: 'Are you there?' }, { id: b.id, body: 'Second message' }]);
  expect(missed.body.data!.conversation.messages.endCursor).toBe(b.id);
  expect(missed.body.data!.conversation.unreadCount).toBe(2);
});

test('an online participant gets no notification event', async () => {
  const doctorWs = ws(h, doctor);
  const live = doctorWs.subscribe(`subscription { conversationUpdated { id unreadCount } }`);
  await eventually(() => h.stack.subgraphs.chat!.subscriptionStats().subscriptions >= 1, 5_000, 'subscribed');
  const m = await send(h, patient, conversationId, 'You are online now');
  expect((await live.nth(1)).data).toEqual({ conversationUpdated: { id: conversationId, unreadCount: 1 } });
  const events = await chatSql<{ payload: { messageId: string } }>(`select payload from outbox_events where topic = 'chat.message_unread'`);
  expect(events.some((e) => e.payload.messageId === m.id)).toBe(false);
  live.unsubscribe();
});

test('a removed group member stops receiving at once and loses access', async () => {
  const staffId = randomUUID();
  const staff = await token(h, staffId, ['DOCTOR']);
  const nurseId = randomUUID();
  const nurse = await token(h, nurseId, ['DOCTOR']);
  const res = await gql<{ startConversation: { id: string; participants: { role: string }[] } }>(
    h.url,
    `mutation($input: StartConversationInput!) { startConversation(input: $input) { id participants { role } } }`,
    { token: staff, variables: { input: { kind: 'GROUP', participantIds: [patientId, nurseId], category: 'cardiology' } } },
  );
  const group = res.body.data!.startConversation.id;
  expect(res.body.data!.startConversation.participants.map((p) => p.role).sort()).toEqual(['MEMBER', 'MEMBER', 'OWNER']);
  // A patient cannot manage the group.
  const ADD = `mutation($c: ID!, $u: ID!) { addParticipant(conversationId: $c, userId: $u) { id } }`;
  expect(codeOf(await gql(h.url, ADD, { token: patient, variables: { c: group, u: randomUUID() } }))).toBe('FORBIDDEN');

  const nurseFeed = ws(h, nurse).subscribe<{ messageAdded: { body: string } }>(MESSAGE_ADDED, { id: group });
  const patientFeed = ws(h, patient).subscribe<{ messageAdded: { body: string } }>(MESSAGE_ADDED, { id: group });
  await eventually(() => h.stack.subgraphs.chat!.subscriptionStats().subscriptions >= 2, 5_000, 'subscribed');
  await send(h, staff, group, 'Team: plan for tomorrow');
  await nurseFeed.nth(1);
  await patientFeed.nth(1);

  const REMOVE = `mutation($c: ID!, $u: ID!) { removeParticipant(conversationId: $c, userId: $u) { participants { user { id } } } }`;
  const removed = await gql<{ removeParticipant: { participants: { user: { id: string } }[] } }>(h.url, REMOVE, { token: staff, variables: { c: group, u: nurseId } });
  expect(removed.body.data!.removeParticipant.participants.map((p) => p.user.id)).not.toContain(nurseId);
  await send(h, staff, group, 'After the nurse left');
  expect((await patientFeed.nth(2)).data!.messageAdded.body).toBe('After the nurse left');
  expect(nurseFeed.events).toHaveLength(1);
  const read = await gql(h.url, `query($id: ID!) { conversation(id: $id) { id } }`, { token: nurse, variables: { id: group } });
  expect(codeOf(read)).toBe('FORBIDDEN');
  expect(codeOf(await gql(h.url, `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`, {
    token: nurse, variables: { i: { conversationId: group, clientMessageId: randomUUID(), body: 'still here?' } },
  }))).toBe('FORBIDDEN');
});

test('a replica that knows a conversation from earlier sends refuses a member removed or made observer since, and reaches a member added since', async () => {
  const ownerId = randomUUID();
  const owner = await token(h, ownerId, ['DOCTOR']);
  const nurseId = randomUUID();
  const nurse = await token(h, nurseId, ['DOCTOR']);
  const group = await startGroup(h, owner, [patientId, nurseId]);
  // Every member has sent: the replica keeps the group's key and members, and its next sends skip the context read.
  await send(h, owner, group, 'Owner here');
  await send(h, nurse, group, 'Nurse here');
  await send(h, patient, group, 'Patient here');
  const SEND_ONE = `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`;
  const sendAs = (tokenValue: string, body: string) => gql(h.url, SEND_ONE, { token: tokenValue, variables: { i: { conversationId: group, clientMessageId: randomUUID(), body } } });

  const REMOVE = `mutation($c: ID!, $u: ID!) { removeParticipant(conversationId: $c, userId: $u) { id } }`;
  expect((await gql(h.url, REMOVE, { token: owner, variables: { c: group, u: nurseId } })).body.errors).toBeUndefined();
  expect(codeOf(await sendAs(nurse, 'Removed but still sending'))).toBe('FORBIDDEN');
  // A change of role leaves the member list as it was: the append's own check refuses it.
  await chatSql(`update participants set role = 'OBSERVER' where conversation_id = ? and user_id = ?`, [group, patientId]);
  expect(codeOf(await sendAs(patient, 'Observing but sending'))).toBe('FORBIDDEN');
  const refused = await chatSql<{ n: string }>(`select count(*) as n from messages where conversation_id = ? and sender_id in (?, ?)`, [group, nurseId, patientId]);
  expect(Number(refused[0]!.n)).toBe(2);

  // Someone added since: the owner's next message reaches them live.
  const newcomerId = randomUUID();
  const newcomer = await token(h, newcomerId, ['DOCTOR']);
  expect((await gql(h.url, `mutation($c: ID!, $u: ID!) { addParticipant(conversationId: $c, userId: $u) { id } }`, { token: owner, variables: { c: group, u: newcomerId } })).body.errors).toBeUndefined();
  const newcomerFeed = ws(h, newcomer).subscribe<{ messageAdded: { body: string } }>(MESSAGE_ADDED, { id: group });
  await eventually(() => h.stack.subgraphs.chat!.subscriptionStats().subscriptions >= 1, 5_000, 'subscribed');
  await send(h, owner, group, 'Welcome');
  expect((await newcomerFeed.nth(1)).data!.messageAdded.body).toBe('Welcome');
});

test('a message sent while a member is being removed never reaches them (the send waits for the removal)', async () => {
  const staff = await token(h, randomUUID(), ['DOCTOR']);
  const nurseId = randomUUID();
  const nurse = await token(h, nurseId, ['DOCTOR']);
  const group = await startGroup(h, staff, [patientId, nurseId]);
  const nurseFeed = ws(h, nurse).subscribe<{ messageAdded: { body: string } }>(MESSAGE_ADDED, { id: group });
  const patientFeed = ws(h, patient).subscribe<{ messageAdded: { body: string } }>(MESSAGE_ADDED, { id: group });
  await eventually(() => h.stack.subgraphs.chat!.subscriptionStats().subscriptions >= 2, 5_000, 'subscribed');
  // The replica has seen this conversation (its key): later events are delivered from what they carry.
  await send(h, staff, group, 'Before');
  await nurseFeed.nth(1);
  await patientFeed.nth(1);

  // The removal's transaction (as removeParticipant writes it) is still open when the send reaches its append,
  // which read the members before; the send must wait for it and leave the nurse out.
  let sending: Promise<unknown> | undefined;
  let settled = false;
  await h.stack.subgraphs.chat!.orm.em.fork().transactional(async (tx) => {
    await tx.execute(`update participants set left_at = now() where conversation_id = ? and user_id = ?`, [group, nurseId]);
    await tx.execute(`update conversations set members_version = members_version + 1 where id = ?`, [group]);
    sending = send(h, staff, group, 'During the removal').finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 500));
    expect(settled).toBe(false);
  });
  await sending;
  expect((await patientFeed.nth(2)).data!.messageAdded.body).toBe('During the removal');
  expect(nurseFeed.events).toHaveLength(1);
});

test('a member removed while sending: both the send and the removal complete, in one order or the other, never a deadlock', async () => {
  const owner = await token(h, randomUUID(), ['DOCTOR']);
  const nurseId = randomUUID();
  const nurse = await token(h, nurseId, ['DOCTOR']);
  const group = await startGroup(h, owner, [patientId, nurseId]);
  const lockWaiters = async (n: number, what: string) => {
    for (const end = Date.now() + 5_000; ; await new Promise((r) => setTimeout(r, 20))) {
      const [row] = await chatSql<{ n: string }>(`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
      if (Number(row!.n) >= n) return;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    }
  };
  // The conversation's row is held while the nurse's send and then the removal queue behind it, in that order.
  // The send (which takes the row, then its sender's participant row) goes first on release; a removal that took
  // the nurse's participant row before the conversation's would now wait for each other.
  let sending: Promise<unknown> | undefined;
  let removing: Promise<Awaited<ReturnType<typeof gql>>> | undefined;
  await h.stack.subgraphs.chat!.orm.em.fork().transactional(async (tx) => {
    await tx.execute(`select 1 from conversations where id = ? for update`, [group]);
    sending = send(h, nurse, group, 'Leaving soon');
    await lockWaiters(1, 'the send to wait for the row');
    removing = gql(h.url, `mutation($c: ID!, $u: ID!) { removeParticipant(conversationId: $c, userId: $u) { id } }`, {
      token: owner, variables: { c: group, u: nurseId },
    });
    await lockWaiters(2, 'the removal to wait too');
  });
  await sending;
  expect((await removing!).body.errors).toBeUndefined();
  const [row] = await chatSql<{ member_ids: string[] }>(`select member_ids::text[] as member_ids from conversations where id = ?`, [group]);
  expect(row!.member_ids).not.toContain(nurseId);
  const stored = await chatSql<{ n: string }>(`select count(*) as n from messages where conversation_id = ? and sender_id = ?`, [group, nurseId]);
  expect(Number(stored[0]!.n)).toBe(1);
});

test("the member list kept on a conversation's row follows every change of its participants, concurrent ones too", async () => {
  const owner = await token(h, randomUUID(), ['DOCTOR']);
  const group = await startGroup(h, owner, [patientId]);
  const ADD = `mutation($c: ID!, $u: ID!) { addParticipant(conversationId: $c, userId: $u) { id } }`;
  const REMOVE = `mutation($c: ID!, $u: ID!) { removeParticipant(conversationId: $c, userId: $u) { id } }`;
  const added = Array.from({ length: 6 }, () => randomUUID());
  const adds = await Promise.all(added.map((u) => gql(h.url, ADD, { token: owner, variables: { c: group, u } })));
  const removes = await Promise.all([patientId, added[0], added[1]].map((u) => gql(h.url, REMOVE, { token: owner, variables: { c: group, u } })));
  expect([...adds, ...removes].map((r) => r.body.errors ?? null)).toEqual(Array(9).fill(null));
  const [kept] = await chatSql<{ member_ids: string[] }>(`select member_ids::text[] as member_ids from conversations where id = ?`, [group]);
  const current = await chatSql<{ user_id: string }>(`select user_id from participants where conversation_id = ? and left_at is null`, [group]);
  expect([...kept!.member_ids].sort()).toEqual(current.map((r) => r.user_id).sort());
  expect(kept!.member_ids).toHaveLength(5);
});

test('a retried send (sequential or concurrent) stores one message', async () => {
  const clientMessageId = randomUUID();
  const first = await send(h, patient, conversationId, 'Sent once', clientMessageId);
  const again = await send(h, patient, conversationId, 'Sent once', clientMessageId);
  const burst = await Promise.all(Array.from({ length: 5 }, () => send(h, patient, conversationId, 'Sent once', clientMessageId)));
  expect(new Set([first.id, again.id, ...burst.map((m) => m.id)])).toEqual(new Set([first.id]));
  const rows = await chatSql<{ n: string }>(`select count(*) as n from messages where client_message_id = ?`, [clientMessageId]);
  expect(Number(rows[0]!.n)).toBe(1);
  // Sequence numbers have no gaps (a losing concurrent send rolled back).
  const seqs = await chatSql<{ seq: string }>(`select seq from messages where conversation_id = ? order by seq`, [conversationId]);
  expect(seqs.map((r) => Number(r.seq))).toEqual(seqs.map((_r, i) => i + 1));
});

test('messages have a length limit, and only the sender edits or deletes within the window', async () => {
  const tooLong = await gql(h.url, `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`, {
    token: patient, variables: { i: { conversationId, clientMessageId: randomUUID(), body: 'x'.repeat(4001) } },
  });
  expect(codeOf(tooLong)).toBe('BAD_USER_INPUT');
  const m = await send(h, patient, conversationId, 'Typo here');
  const EDIT = `mutation($id: ID!, $b: String!) { editMessage(id: $id, body: $b) { body editedAt } }`;
  expect(codeOf(await gql(h.url, EDIT, { token: doctor, variables: { id: m.id, b: 'hijack' } }))).toBe('FORBIDDEN');
  const edited = await gql<{ editMessage: { body: string; editedAt: string } }>(h.url, EDIT, { token: patient, variables: { id: m.id, b: 'Fixed text' } });
  expect(edited.body.data!.editMessage.body).toBe('Fixed text');
  const del = await gql<{ deleteMessage: { body: string | null; deleted: boolean } }>(h.url, `mutation($id: ID!) { deleteMessage(id: $id) { body deleted } }`, { token: patient, variables: { id: m.id } });
  expect(del.body.data!.deleteMessage).toEqual({ body: null, deleted: true });
  const stored = await chatSql<{ body_enc: string | null }>(`select body_enc from messages where id = ?`, [m.id]);
  expect(stored[0]!.body_enc).toBeNull();
});
