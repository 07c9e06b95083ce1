// What one message costs the database, counted on the real Postgres: a send to a conversation the replica has
// written to before is one statement (its context read merged into the append, guarded by the members it
// expects); a live event carries what its
// subscribers need (the stored ciphertext and the members), so delivering it reads nothing, and still checks
// each subscriber's membership.
import { randomUUID } from 'node:crypto';
import { eventually } from '@clinic/router/src/testing/ws.ts';
import { MESSAGE_ADDED, send, startChat, startDirect, token, ws, type ChatHarness } from '../testing/fixtures.ts';
import { announceMessage } from '../realtime/triggers.ts';

let h: ChatHarness;
const statements: string[] = [];

beforeAll(async () => {
  // The relay would poll now and then; it has nothing to do here (everyone is online) and is kept quiet.
  h = await startChat({ chat: { relayPollMs: 3_600_000 } });
  const knex = h.stack.subgraphs.chat!.orm.em.getConnection().getKnex();
  knex.on('query', (q: { sql: string }) => statements.push(q.sql));
});

afterAll(async () => {
  await h?.stop();
});

/** Chat's own statements (not the relay's or presence's bookkeeping) while `work` runs. */
async function counted(work: () => Promise<void>): Promise<string[]> {
  statements.length = 0;
  await work();
  return statements.filter((sql) => !/outbox_events|mikro_orm_migrations/.test(sql));
}

/** A new doctor and patient in a conversation the doctor started. */
async function doctorAndPatient() {
  const doctorId = randomUUID();
  const patientId = randomUUID();
  const doctor = await token(h, doctorId, ['DOCTOR']);
  const patient = await token(h, patientId, ['PATIENT']);
  return { doctorId, patientId, doctor, patient, conversationId: await startDirect(h, doctor, patientId) };
}

test('a message between two live users costs one statement to send, and no read to deliver', async () => {
  const { doctor, patient, conversationId } = await doctorAndPatient();
  const doctorLive = ws(h, doctor).subscribe<{ messageAdded: { id: string; body: string } }>(MESSAGE_ADDED, { id: conversationId });
  const patientLive = ws(h, patient).subscribe<{ messageAdded: { id: string; body: string } }>(MESSAGE_ADDED, { id: conversationId });
  await eventually(() => h.stack.subgraphs.chat!.subscriptionStats().subscriptions >= 2, 5_000, 'subscriptions open');
  // Warm up (the first request of a connection also reads what the kit needs once; the first send to a
  // conversation reads its context, and the replica keeps its key and members).
  await send(h, doctor, conversationId, 'warm up');
  await patientLive.nth(1);
  await doctorLive.nth(1);

  const sql = await counted(async () => {
    const sent = await send(h, doctor, conversationId, 'Your results are in');
    const [toPatient, toDoctor] = await Promise.all([patientLive.nth(2), doctorLive.nth(2)]);
    expect(toPatient.data!.messageAdded).toMatchObject({ id: sent.id, body: 'Your results are in' });
    expect(toDoctor.data!.messageAdded).toMatchObject({ id: sent.id, body: 'Your results are in' });
  });
  // Sending: the guarded append (atomic alone: no outbox event, so no begin/commit).
  // Delivering: nothing (once a replica knows the conversation's key). The SEND fixture also asks for receipts (+1).
  // (Before: 12 statements to send, 3 per subscriber per event: 19 in all; then one read per event per replica;
  // then the context read and the append: 3 with the receipts.)
  if (sql.length > 2) console.log(sql.join('\n'));
  expect(sql.length).toBeLessThanOrEqual(2);
});

test("a message sent through another replica is delivered without a read: subscribing gave this replica the conversation's key", async () => {
  const { doctorId, patientId, patient, conversationId } = await doctorAndPatient();
  const patientLive = ws(h, patient).subscribe<{ messageAdded: { id: string; body: string } }>(MESSAGE_ADDED, { id: conversationId });
  await eventually(() => h.stack.subgraphs.chat!.subscriptionStats().subscriptions >= 3, 5_000, 'subscription open');
  const chat = await h.services();
  const [conv] = await h.stack.subgraphs.chat!.orm.em.fork().execute<{ wrapped_key: string }[]>(`select wrapped_key from conversations where id = ?`, [conversationId]);
  const messageId = randomUUID();

  const sql = await counted(async () => {
    // What another replica's send announces (this replica never saw the conversation written to). The message is
    // not stored: only the event itself can deliver it.
    await announceMessage(chat.pubsub, {
      conversationId, messageId,
      stored: {
        conversationKind: 'DIRECT', memberIds: [doctorId, patientId], seq: 1, kind: 'TEXT', senderId: doctorId, clientMessageId: randomUUID(),
        bodyEnc: chat.keys.encrypt(conv!.wrapped_key, 'From the other replica'), attachments: [], actions: [], createdAt: new Date().toISOString(),
      },
    }, []);
    expect((await patientLive.nth(1)).data!.messageAdded).toMatchObject({ id: messageId, body: 'From the other replica' });
  });
  expect(sql).toEqual([]);
});
