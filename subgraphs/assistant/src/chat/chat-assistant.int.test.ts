// The assistant as a bot participant of chat, across assistant + chat (+ identity, appointments) behind the
// router, on the real Postgres and Redis with BullMQ between them: a patient opens a desk conversation (the
// assistant joins it), writes in Romanian, and the assistant answers in the conversation with the three best
// slots as BOOK_SLOT quick actions, which the patient's own client books (REQUESTED at the right instant); a red
// flag gets 112 there and an URGENT hand-off; while an operator has taken over, the assistant stays silent.
// Here delegation is off (no ASSISTANT_DELEGATION_SECRET): the assistant holds no token of the patient and only
// offers; chat-delegation.int.test.ts covers the assistant acting with the patient's delegated token.
import { randomUUID } from 'node:crypto';
import { eventually } from '@clinic/service-kit/testing';
import { chatMessages, replyTo as chatReplyTo, send } from '../testing/chat.ts';
import { local, startAssistantClinic, type AssistantClinic, type Who } from '../testing/clinic.ts';

let clinic: AssistantClinic;

beforeAll(async () => {
  clinic = await startAssistantClinic({ withChat: true, delegation: false });
}, 90_000);

afterAll(async () => {
  await clinic?.stop();
});

const say = (who: Who, conversationId: string, body: string) => send(clinic, who, conversationId, body);
const replyTo = (who: Who, conversationId: string, messageId: string) => chatReplyTo(clinic, who, conversationId, messageId);

let conversationId = '';

test('the assistant joins the desk conversation, answers with slots as quick actions, and the patient books one with their own token', async () => {
  const { patient, doctor } = clinic.people;
  const started = await clinic.call<{ startConversation: { id: string; participants: { user: { id: string } }[] } }>(
    `mutation { startConversation(input: { kind: DESK }) { id participants { user { id } } } }`, {}, patient.token,
  );
  conversationId = started.startConversation.id;
  // People only in the participant list: the assistant shows on its messages.
  expect(started.startConversation.participants).toEqual([{ user: { id: patient.userId } }]);

  const asked = await say(patient, conversationId, 'Bună ziua, vreau o programare la dr Ionescu poimâine la 10');
  const reply = await replyTo(patient, conversationId, asked);
  expect(reply).toMatchObject({ fromAssistant: true, sender: null });
  expect(reply.body).toMatch(/Acestea sunt cele mai potrivite locuri libere/);
  expect(reply.actions).toHaveLength(3);
  const best = reply.actions[0]!;
  expect(best).toEqual({ kind: 'BOOK_SLOT', doctorId: doctor.userId, startsAt: local(2, '10:00').toUTC().toISO(), consultationType: 'IN_PERSON' });

  // The turn is recorded with what was understood, readable by the patient (session = the conversation).
  const turns = await clinic.call<{ assistantTurns: { intent: string; language: string; entities: { kind: string; value: string }[] }[] }>(
    `query($s: ID) { assistantTurns(sessionId: $s) { intent language entities { kind value } } }`, { s: conversationId }, patient.token,
  );
  expect(turns.assistantTurns[0]).toMatchObject({ intent: 'BOOK', language: 'ro' });

  // The client runs the quick action as the ordinary mutation with the patient's own rights.
  await clinic.call(
    `mutation($input: RequestAppointmentInput!) { requestAppointment(input: $input) { id } }`,
    { input: { doctorId: best.doctorId, startsAt: best.startsAt, consultationType: best.consultationType } },
    patient.token,
  );
  const mine = await clinic.call<{ myAppointments: { status: string; startsAt: string }[] }>(`{ myAppointments { status startsAt } }`, {}, patient.token);
  expect(mine.myAppointments).toEqual([{ status: 'REQUESTED', startsAt: local(2, '10:00').toUTC().toISO() }]);
});

test('a red flag in chat gets 112 and an URGENT hand-off; once an operator takes over, the assistant is silent', async () => {
  const { patient, operator } = clinic.people;
  const red = await say(patient, conversationId, 'am dureri în piept');
  expect((await replyTo(patient, conversationId, red)).body).toMatch(/112/);
  const queue = await clinic.call<{ handoffQueue: { id: string; sessionId: string; priority: string }[] }>(`{ handoffQueue { id sessionId priority } }`, {}, operator.token);
  const handoff = queue.handoffQueue.find((h) => h.sessionId === conversationId);
  expect(handoff).toMatchObject({ priority: 'URGENT' });

  await clinic.call(`mutation($id: ID!) { takeOverHandoff(id: $id) { status } }`, { id: handoff!.id }, operator.token);
  const quiet = await say(patient, conversationId, 'vreau o programare');
  // The turn is recorded (silently) once the event is handled; no assistant message follows.
  await eventually(
    () => clinic.call<{ assistantTurns: { outcome: string | null }[] }>(`query($s: ID) { assistantTurns(sessionId: $s, first: 200) { outcome } }`, { s: conversationId }, patient.token),
    (d) => d.assistantTurns.at(-1)?.outcome === 'OPERATOR_ACTIVE',
    20_000,
  );
  const after = await chatMessages(clinic, patient, conversationId);
  expect(after.at(-1)).toMatchObject({ id: quiet, fromAssistant: false });

  // The operator answers in the same conversation (the desk joins by answering), then hands back.
  await say(operator, conversationId, 'Vă sunăm acum.');
  await clinic.call(`mutation($id: ID!) { handBackHandoff(id: $id) { status } }`, { id: handoff!.id }, operator.token);
  const thanks = await say(patient, conversationId, 'mulțumesc');
  expect((await replyTo(patient, conversationId, thanks)).body).toMatch(/^Cu plăcere!/);
});

test("chat's internal routes refuse callers without the router secret", async () => {
  const res = await fetch(new URL('/internal/assistant/message', clinic.stack.subgraphs.chat!.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messageId: randomUUID() }),
  });
  expect(res.status).toBe(403);
});
