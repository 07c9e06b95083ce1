// Privacy through the router and straight at the subgraph: a non-participant is refused on every path
// (queries, mutations, subscriptions, `_entities`, someone else's conversation list); the database holds no
// plaintext body or attachment name, nor does a live event on Redis; search finds stemmed English and Romanian words only in the searcher's
// own conversations; staff opening a conversation they are not in is explicit and audited; who may start
// a conversation with whom.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '@clinic/service-kit/testing';
import { messageTrigger } from '../realtime/triggers.ts';
import { eventually } from '@clinic/router/src/testing/ws.ts';
import { codeOf, direct, gql, knowAppointment, MESSAGE_ADDED, send, START, startChat, startDirect, token, uploadDocument, ws, type ChatHarness } from '../testing/fixtures.ts';

let h: ChatHarness;
const patientId = randomUUID();
const doctorId = randomUUID();
const strangerId = randomUUID();
let patient: string;
let doctor: string;
let stranger: string;
let conversationId: string;
let messageId: string;

beforeAll(async () => {
  h = await startChat({ withDocuments: true });
  patient = await token(h, patientId, ['PATIENT']);
  doctor = await token(h, doctorId, ['DOCTOR']);
  stranger = await token(h, strangerId, ['PATIENT']);
  await knowAppointment(h, patientId, doctorId);
  conversationId = await startDirect(h, patient, doctorId);
  const documentId = await uploadDocument(h, patient, 'results.pdf', Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n', 'latin1'));
  messageId = (await send(h, patient, conversationId, 'My prescriptions ran out; rețetele sunt gata? Marker-Zebra-42', randomUUID(), {
    attachments: [{ documentId, name: 'blood-results-Quokka.pdf' }],
  })).id;
});

afterAll(async () => {
  await h?.stop();
});

test('a non-participant is refused on every path', async () => {
  const asStranger = (query: string, variables: Record<string, unknown>) => gql(h.url, query, { token: stranger, variables });
  expect(codeOf(await asStranger(`query($id: ID!) { conversation(id: $id) { id } }`, { id: conversationId }))).toBe('FORBIDDEN');
  expect(codeOf(await asStranger(`mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`, {
    i: { conversationId, clientMessageId: randomUUID(), body: 'let me in' },
  }))).toBe('FORBIDDEN');
  expect(codeOf(await asStranger(`mutation($c: ID!, $m: ID!) { markRead(conversationId: $c, upToMessageId: $m) { id } }`, { c: conversationId, m: messageId }))).toBe('FORBIDDEN');
  expect(codeOf(await asStranger(`mutation($c: ID!) { sendTyping(conversationId: $c) }`, { c: conversationId }))).toBe('FORBIDDEN');
  expect(codeOf(await asStranger(`mutation($id: ID!) { archiveConversation(id: $id) { id } }`, { id: conversationId }))).toBe('FORBIDDEN');
  expect(codeOf(await asStranger(`mutation($id: ID!) { deleteMessage(id: $id) { id } }`, { id: messageId }))).toBe('FORBIDDEN');
  // Someone else's conversation list, through a User reference.
  const list = await asStranger(`query($ids: [ID!]!) { greetings(userIds: $ids) { user { id conversations { conversations { id } } } } }`, { ids: [patientId] });
  expect(list.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  expect(JSON.stringify(list.body.data ?? {})).not.toContain(conversationId);

  // Subscriptions: refused on subscribe, nothing delivered.
  for (const query of [MESSAGE_ADDED, `subscription($id: ID!) { typing(conversationId: $id) { at } }`, `subscription($id: ID!) { receiptUpdated(conversationId: $id) { readUpTo } }`]) {
    const sub = ws(h, stranger).subscribe(query, { id: conversationId });
    const outcome = await sub.nth(1).then((e) => e.errors?.[0]?.extensions?.code, () => 'closed');
    expect(outcome).toBe('FORBIDDEN');
  }
  // conversationUpdated never carries someone else's conversation.
  const feed = ws(h, stranger).subscribe(`subscription { conversationUpdated { id } }`);
  await eventually(() => h.stack.subgraphs.chat!.subscriptionStats().subscriptions >= 1, 5_000, 'subscribed');
  const patientFeed = ws(h, patient).subscribe(MESSAGE_ADDED, { id: conversationId });
  await eventually(() => h.stack.subgraphs.chat!.subscriptionStats().subscriptions >= 2, 5_000, 'subscribed');
  await send(h, doctor, conversationId, 'reply');
  await patientFeed.nth(1);
  expect(feed.events).toHaveLength(0);

  // `_entities` straight at the subgraph (as the router would call it).
  const entities = await direct(h, stranger, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Conversation { id messages { messages { body } } } } }`, {
    r: [{ __typename: 'Conversation', id: conversationId }],
  });
  expect(entities.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  expect(JSON.stringify(entities.data ?? {})).not.toContain('Marker');
  const mine = await direct(h, patient, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Conversation { id } } }`, {
    r: [{ __typename: 'Conversation', id: conversationId }],
  });
  expect(mine.data).toEqual({ _entities: [{ id: conversationId }] });
  // A conversation's appointment link shows only to participants.
  const appt = await direct(h, stranger, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Appointment { conversation { id } } } }`, {
    r: [{ __typename: 'Appointment', id: randomUUID() }],
  });
  expect(appt.data).toEqual({ _entities: [{ conversation: null }] });
});

test('the database holds no plaintext body or attachment name', async () => {
  const schema = h.stack.subgraphs.chat!.config.dbSchema;
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(`select table_name from information_schema.tables where table_schema = $1`, [schema]);
    expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['messages', 'message_terms', 'conversations']));
    let dump = '';
    for (const { table_name } of tables.rows) {
      const rows = await client.query(`select row_to_json(t)::text as j from "${schema}"."${table_name}" t`);
      dump += rows.rows.map((r: { j: string }) => r.j).join('\n');
    }
    expect(dump).toContain(messageId);
    for (const secret of ['Marker-Zebra', 'Zebra', 'prescription', 'rețetele', 'retet', 'Quokka', 'blood-results']) expect(dump.toLowerCase()).not.toContain(secret.toLowerCase());
  } finally {
    await client.end();
  }
  // ...and the participants still read it.
  const thread = await gql<{ conversation: { messages: { messages: { body: string; attachments: { name: string }[] }[] } } }>(
    h.url, `query($id: ID!) { conversation(id: $id) { messages { messages { body attachments { name } } } } }`, { token: doctor, variables: { id: conversationId } },
  );
  expect(thread.body.data!.conversation.messages.messages[0]).toEqual({
    body: 'My prescriptions ran out; rețetele sunt gata? Marker-Zebra-42',
    attachments: [{ name: 'blood-results-Quokka.pdf' }],
  });
});

test('a live message event on Redis carries ciphertext and ids only, and the members still read it live', async () => {
  const listener = new Redis(TEST_REDIS_URL);
  const raw: string[] = [];
  try {
    await listener.subscribe(messageTrigger(conversationId));
    listener.on('message', (_channel: string, message: string) => raw.push(message));
    const open = h.stack.subgraphs.chat!.subscriptionStats().subscriptions;
    const live = ws(h, doctor).subscribe<{ messageAdded: { body: string } }>(MESSAGE_ADDED, { id: conversationId });
    await eventually(() => h.stack.subgraphs.chat!.subscriptionStats().subscriptions > open, 5_000, 'subscribed');
    const sent = await send(h, patient, conversationId, 'Live-Marker-Okapi about my inhaler');
    expect((await live.nth(1)).data!.messageAdded.body).toBe('Live-Marker-Okapi about my inhaler');
    // Quick actions are stored in clear (ids and times): such a message's event carries ids only.
    const offer = await send(h, doctor, conversationId, 'A slot for you', randomUUID(), {
      actions: [{ kind: 'BOOK_SLOT', doctorId, startsAt: '2031-05-06T07:08:00.000Z', consultationType: 'VIDEO' }],
    });
    expect((await live.nth(2)).data!.messageAdded.body).toBe('A slot for you');
    await eventually(() => raw.some((m) => m.includes(sent.id)) && raw.some((m) => m.includes(offer.id)), 5_000, 'the events on Redis');
    expect(raw.join('\n')).not.toMatch(/okapi|inhaler|2031-05-06|VIDEO/i);
  } finally {
    listener.disconnect();
  }
});

test('search finds stemmed English and Romanian words, only in the searcher\'s own conversations', async () => {
  // The stranger has the same words in a conversation of their own with another doctor.
  const otherDoctorId = randomUUID();
  await knowAppointment(h, strangerId, otherDoctorId);
  const theirs = await startDirect(h, stranger, otherDoctorId);
  const theirMessage = await send(h, stranger, theirs, 'Need new prescriptions and rețete');
  const SEARCH = `query($q: String!) { searchMessages(query: $q) { id conversationId body } }`;
  const search = async (who: string, q: string) =>
    (await gql<{ searchMessages: { id: string; conversationId: string }[] }>(h.url, SEARCH, { token: who, variables: { q } })).body.data!.searchMessages.map((m) => m.id);

  expect(await search(patient, 'prescription')).toEqual([messageId]);
  expect(await search(patient, 'reteta')).toEqual([messageId]);
  expect(await search(patient, 'Rețetă prescription')).toEqual([messageId]);
  expect(await search(patient, 'prescription zzzunknown')).toEqual([]);
  expect(await search(stranger, 'prescription')).toEqual([theirMessage.id]);
  expect(await search(doctor, 'RETETELE')).toEqual([messageId]);
  expect(await search(await token(h, randomUUID(), ['ADMIN']), 'prescription')).toEqual([]);
});

test('staff open a conversation they are not in only explicitly, and it is audited', async () => {
  const adminId = randomUUID();
  const admin = await token(h, adminId, ['ADMIN']);
  const Q = `query($id: ID!, $s: Boolean) { conversation(id: $id, staffAccess: $s) { id messages { messages { body } } } }`;
  expect(codeOf(await gql(h.url, Q, { token: admin, variables: { id: conversationId } }))).toBe('FORBIDDEN');
  const opened = await gql<{ conversation: { messages: { messages: { body: string }[] } } }>(h.url, Q, { token: admin, variables: { id: conversationId, s: true } });
  expect(opened.body.data!.conversation.messages.messages.length).toBeGreaterThan(0);
  const otherDoctor = await token(h, randomUUID(), ['DOCTOR']);
  expect(codeOf(await gql(h.url, Q, { token: otherDoctor, variables: { id: conversationId, s: true } }))).toBe('FORBIDDEN');
  const audits = await h.stack.subgraphs.chat!.orm.em.fork().execute<{ payload: Record<string, unknown> }[]>(
    `select payload from outbox_events where topic = 'audit.recorded' and payload->>'action' = 'conversation.staff_access' and payload->>'resourceId' = ?`,
    [conversationId],
  );
  expect(audits.map((a) => [a.payload.actorId === adminId ? 'admin' : 'doctor', a.payload.outcome]).sort()).toEqual([['admin', 'SUCCESS'], ['doctor', 'DENIED']]);
});

test('who may start a conversation with whom', async () => {
  const startAs = (who: string, input: Record<string, unknown>) => gql(h.url, START, { token: who, variables: { input } });
  // A patient writes only to doctors they have (had) an appointment with...
  expect(codeOf(await startAs(stranger, { participantIds: [doctorId] }))).toBe('FORBIDDEN');
  expect(codeOf(await startAs(stranger, { kind: 'GROUP', participantIds: [doctorId] }))).toBe('FORBIDDEN');
  // ...and to the desk, which operators see and answer.
  const desk = await gql<{ startConversation: { id: string; kind: string } }>(h.url, START, { token: stranger, variables: { input: { kind: 'DESK' } } });
  expect(desk.body.data!.startConversation.kind).toBe('DESK');
  const operator = await token(h, randomUUID(), ['OPERATOR']);
  const queue = await gql<{ deskConversations: { id: string }[] }>(h.url, `{ deskConversations { id } }`, { token: operator });
  expect(queue.body.data!.deskConversations.map((c) => c.id)).toContain(desk.body.data!.startConversation.id);
  expect(codeOf(await gql(h.url, `{ deskConversations { id } }`, { token: doctor }))).toBe('FORBIDDEN');
  await send(h, operator, desk.body.data!.startConversation.id, 'How can we help?');
  // Staff write to anyone; asking again returns the same conversation.
  const again = await startDirect(h, doctor, patientId);
  expect(again).toBe(conversationId);
  expect(codeOf(await startAs(patient, { participantIds: ['not-a-uuid'] }))).toBe('BAD_USER_INPUT');
});

test('a user\'s conversations: own only, most recent first, with unread counts, paginated and archivable', async () => {
  const LIST = `query($ids: [ID!]!, $after: String, $archived: Boolean) { greetings(userIds: $ids) { user { conversations(first: 1, after: $after, archived: $archived) { conversations { id unreadCount archived } endCursor hasNextPage } } } }`;
  type Page = { greetings: { user: { conversations: { conversations: { id: string; unreadCount: number }[]; endCursor: string; hasNextPage: boolean } } }[] };
  const otherDoctorId = randomUUID();
  const second = await startDirect(h, await token(h, otherDoctorId, ['DOCTOR']), patientId);
  await send(h, await token(h, otherDoctorId, ['DOCTOR']), second, 'newest');
  const first = await gql<Page>(h.url, LIST, { token: patient, variables: { ids: [patientId] } });
  const page1 = first.body.data!.greetings[0]!.user.conversations;
  expect(page1.conversations).toEqual([{ id: second, unreadCount: 1, archived: false }]);
  expect(page1.hasNextPage).toBe(true);
  const next = await gql<Page>(h.url, LIST, { token: patient, variables: { ids: [patientId], after: page1.endCursor } });
  expect(next.body.data!.greetings[0]!.user.conversations.conversations[0]!.id).toBe(conversationId);

  await gql(h.url, `mutation($id: ID!) { archiveConversation(id: $id) { archived } }`, { token: patient, variables: { id: second } });
  const active = await gql<Page>(h.url, LIST, { token: patient, variables: { ids: [patientId] } });
  expect(active.body.data!.greetings[0]!.user.conversations.conversations[0]!.id).toBe(conversationId);
  const archived = await gql<Page>(h.url, LIST, { token: patient, variables: { ids: [patientId], archived: true } });
  expect(archived.body.data!.greetings[0]!.user.conversations.conversations.map((c) => c.id)).toEqual([second]);
  // Archive is per participant: the doctor still sees it.
  const doctors = await gql<Page>(h.url, LIST, { token: await token(h, otherDoctorId, ['DOCTOR']), variables: { ids: [otherDoctorId] } });
  expect(doctors.body.data!.greetings[0]!.user.conversations.conversations.map((c) => c.id)).toEqual([second]);
});
