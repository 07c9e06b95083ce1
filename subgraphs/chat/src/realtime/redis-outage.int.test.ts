// Redis away for a while under a live chat (router, chat and its subscribers on a private redis-server the
// test stops and starts): a send still answers at once with the stored message (live announcements are
// best effort; presence unknown counts as offline, so the recipient is notified), receipts and typing answer
// too; once Redis is back the subscriber that stayed connected hears new messages without subscribing again,
// and what it missed is read by cursor.
import { randomUUID } from 'node:crypto';
import { startOwnRedis, type OwnRedis } from '@clinic/service-kit/testing';
import { eventually } from '@clinic/router/src/testing/ws.ts';
import { gql, knowAppointment, MESSAGE_ADDED, SEND, startChat, startDirect, token, ws, type ChatHarness } from '../testing/fixtures.ts';

let redis: OwnRedis;
let h: ChatHarness;
const patientId = randomUUID();
const doctorId = randomUUID();
let patient: string;
let doctor: string;
let conversationId: string;

beforeAll(async () => {
  redis = await startOwnRedis();
  h = await startChat({ redisUrl: redis.url });
  patient = await token(h, patientId, ['PATIENT']);
  doctor = await token(h, doctorId, ['DOCTOR']);
  await knowAppointment(h, patientId, doctorId);
  conversationId = await startDirect(h, patient, doctorId);
}, 60_000);

afterAll(async () => {
  await h?.stop();
  await redis?.stop();
}, 60_000);

/** One send through the router, timed. */
async function timedSend(body: string, clientMessageId = randomUUID()) {
  const startedAt = Date.now();
  const res = await gql<{ sendMessage: { id: string; body: string } }>(h.url, SEND, { token: patient, variables: { input: { conversationId, clientMessageId, body } } });
  return { ms: Date.now() - startedAt, res };
}

test('sends answer at once while Redis is away; afterwards the live subscriber hears new messages and reads the missed ones by cursor', async () => {
  const doctorWs = ws(h, doctor);
  const incoming = doctorWs.subscribe<{ messageAdded: { id: string; body: string } }>(MESSAGE_ADDED, { id: conversationId });
  await eventually(() => h.stack.subgraphs.chat!.subscriptionStats().subscriptions >= 1, 5_000, 'subscription open');
  const before = await timedSend('before the outage');
  expect((await incoming.nth(1)).data!.messageAdded.body).toBe('before the outage');

  await redis.stop();
  try {
    const during = await timedSend('while Redis is away');
    expect({ ms: during.ms < 3_000, errors: during.res.body.errors }).toEqual({ ms: true, errors: undefined });
    expect(during.res.body.data!.sendMessage.body).toBe('while Redis is away');
    const markStartedAt = Date.now();
    const read = await gql(h.url, `mutation($c: ID!, $m: ID!) { markRead(conversationId: $c, upToMessageId: $m) { id } }`, { token: doctor, variables: { c: conversationId, m: during.res.body.data!.sendMessage.id } });
    const typing = await gql(h.url, `mutation($c: ID!) { sendTyping(conversationId: $c) }`, { token: patient, variables: { c: conversationId } });
    expect({ ms: Date.now() - markStartedAt < 2_000, read: read.body.errors, typing: typing.body.errors }).toEqual({ ms: true, read: undefined, typing: undefined });
  } finally {
    await redis.start();
  }
  // The subscriber's connection comes back by itself: keep sending until a new message reaches it.
  let after: string | undefined;
  for (let attempt = 0; attempt < 40 && !after; attempt++) {
    const sent = await timedSend(`after the outage ${attempt}`);
    const id = sent.res.body.data?.sendMessage.id;
    if (await incoming.nth(2, 500).then(() => true, () => false)) after = id;
  }
  expect(after).toBeDefined();
  const missed = await gql<{ messages: { messages: { body: string }[] } }>(h.url, `query($c: ID!, $after: ID) { messages(conversationId: $c, after: $after) { messages { body } } }`, {
    token: doctor,
    variables: { c: conversationId, after: before.res.body.data!.sendMessage.id },
  });
  expect(missed.body.data!.messages.messages.map((m) => m.body)).toContain('while Redis is away');
}, 90_000);
