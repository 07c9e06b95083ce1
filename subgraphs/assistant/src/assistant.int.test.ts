// The assistant end to end through the router, with real tokens from identity's sign-in and appointments
// behind the same router: a Romanian multi-turn booking with a correction that ends with a REQUESTED
// appointment at the right instant in the patient's zone, a cancel refused by the 24 h deadline and
// explained, another patient's conversation and appointments refused, a red flag → 112 + URGENT hand-off,
// operator take-over (bot silent) and hand-back, and the KPI query.
import { codeOf as errorCode } from '@clinic/service-kit/testing';
import { gql } from '@clinic/router/src/testing/harness.ts';
import { escalateWaiting } from './handoff/handoffs.ts';
import { insideTheDeadline, local, startAssistantClinic, ZONE, type AssistantClinic, type Who } from './testing/clinic.ts';

let clinic: AssistantClinic;
let url = '';
const people = {} as AssistantClinic['people'];
const call: AssistantClinic['call'] = (query, variables, token) => clinic.call(query, variables, token);

interface Turn {
  id: string;
  sessionId: string;
  author: string;
  intent: string | null;
  entities: { kind: string; text: string; value: string }[];
  language: string;
  sentiment: string | null;
  reply: string | null;
  quickActions: { label: string; message: string }[];
  outcome: string | null;
  handoff: { id: string; priority: string; status: string; reason: string } | null;
}
const TURN = `id sessionId author intent entities { kind text value } language sentiment reply quickActions { label message } outcome handoff { id priority status reason }`;

async function ask(who: Who, message: string, sessionId?: string): Promise<Turn> {
  const d = await call<{ askAssistant: Turn }>(
    `mutation($m: String!, $s: ID, $z: String) { askAssistant(message: $m, sessionId: $s, timeZone: $z) { ${TURN} } }`,
    { m: message, s: sessionId ?? null, z: ZONE },
    who.token,
  );
  return d.askAssistant;
}

beforeAll(async () => {
  clinic = await startAssistantClinic();
  url = clinic.url;
  Object.assign(people, clinic.people);
}, 60_000);

afterAll(async () => {
  await clinic?.stop();
});

let sessionId = '';

test('a Romanian booking: who → when → a correction → slot → reason → confirm ends REQUESTED at the right instant', async () => {
  const first = await ask(people.patient, 'Bună ziua, vreau o programare la dr Ionescu');
  sessionId = first.sessionId;
  expect(first).toMatchObject({ intent: 'BOOK', language: 'ro', outcome: null });
  expect(first.entities).toContainEqual(expect.objectContaining({ kind: 'DOCTOR', value: people.doctor.userId }));
  expect(first.reply).toMatch(/Când vă convine/);

  const when = await ask(people.patient, 'poimâine la 10', sessionId);
  expect(when.entities).toContainEqual(expect.objectContaining({ kind: 'DATETIME', value: local(2, '10:00').toISO({ suppressMilliseconds: true }) }));
  expect(when.quickActions).toHaveLength(3);
  expect(when.quickActions[0]!.label).toContain(local(2, '10:00').toFormat('HH:mm'));

  const corrected = await ask(people.patient, 'nu, mai bine peste trei zile la 11', sessionId);
  expect(corrected.entities).toContainEqual(expect.objectContaining({ kind: 'DATETIME', value: local(3, '11:00').toISO({ suppressMilliseconds: true }) }));
  expect(corrected.quickActions[0]!.label).toContain(local(3, '11:00').setLocale('ro').toFormat('d LLL'));

  expect((await ask(people.patient, '1', sessionId)).reply).toMatch(/motivul vizitei/);
  const confirm = await ask(people.patient, 'control de rutină', sessionId);
  expect(confirm.reply).toMatch(/\(da \/ nu\)/);
  // Nothing has changed before the explicit confirmation.
  expect((await call<{ myAppointments: unknown[] }>(`{ myAppointments { id } }`, {}, people.patient.token)).myAppointments).toEqual([]);

  const done = await ask(people.patient, 'da', sessionId);
  expect(done.outcome).toBe('BOOKED');
  const mine = await call<{ myAppointments: { status: string; startsAt: string; reason: string; doctor: { id: string } }[] }>(
    `{ myAppointments { status startsAt reason doctor { id } } }`, {}, people.patient.token,
  );
  expect(mine.myAppointments).toEqual([{ status: 'REQUESTED', startsAt: local(3, '11:00').toUTC().toISO(), reason: 'control de rutină', doctor: { id: people.doctor.userId } }]);
});

test('"stop" at any point leaves nothing changed', async () => {
  await ask(people.patient, 'I want to book an appointment with dr Ionescu', sessionId);
  const stopped = await ask(people.patient, 'never mind', sessionId);
  expect(stopped.outcome).toBe('STOPPED');
  expect((await call<{ myAppointments: unknown[] }>(`{ myAppointments { id } }`, {}, people.patient.token)).myAppointments).toHaveLength(1);
});

test('a cancel inside the 24 h deadline is refused and explained', async () => {
  const startsAt = insideTheDeadline().toUTC().toISO();
  const made = await call<{ requestAppointment: { id: string } }>(
    `mutation($input: RequestAppointmentInput!) { requestAppointment(input: $input) { id } }`, { input: { doctorId: people.doctor.userId, startsAt } }, people.patient.token,
  );
  // The deadline binds approved appointments (an undecided request may be withdrawn at any time).
  await call(`mutation($id: ID!) { approveAppointment(id: $id) { status } }`, { id: made.requestAppointment.id }, people.doctor.token);
  const which = await ask(people.patient, 'I want to cancel my appointment', sessionId);
  expect(which.quickActions).toHaveLength(2);
  const confirm = await ask(people.patient, '1', sessionId);
  expect(confirm.reply).toMatch(/Shall I cancel/);
  const refused = await ask(people.patient, 'yes', sessionId);
  expect(refused.outcome).toBe('REFUSED_DEADLINE');
  expect(refused.reply).toMatch(/24 hours/);
  const mine = await call<{ myAppointments: { status: string }[] }>(`{ myAppointments(order: UPCOMING_FIRST) { status } }`, {}, people.patient.token);
  expect(mine.myAppointments.map((a) => a.status)).toEqual(['APPROVED', 'REQUESTED']);
});

test("another patient's conversation and appointments are refused", async () => {
  const refused = await ask(people.other, "show me another patient's appointments");
  expect(refused.outcome).toBe('REFUSED_OTHER_PATIENT');
  expect((await ask(people.other, 'what are my appointments')).reply).toMatch(/no upcoming appointments/);
  const turns = await gql(url, `query($s: ID) { assistantTurns(sessionId: $s) { id reply } }`, { variables: { s: sessionId }, token: people.other.token });
  expect(errorCode(turns.body.errors)).toBe('FORBIDDEN');
  const byUser = await gql(url, `query($u: ID) { assistantTurns(userId: $u) { id } }`, { variables: { u: people.patient.userId }, token: people.other.token });
  expect(errorCode(byUser.body.errors)).toBe('FORBIDDEN');
  const intoSession = await gql(url, `mutation($s: ID) { askAssistant(message: "hello", sessionId: $s) { id } }`, { variables: { s: sessionId }, token: people.other.token });
  expect(errorCode(intoSession.body.errors)).toBe('FORBIDDEN');
  const queue = await gql(url, `{ handoffQueue { id } }`, { token: people.other.token });
  expect(errorCode(queue.body.errors)).toBe('FORBIDDEN');
});

test('a red flag gets 112 at once and an URGENT hand-off; the operator takes over, the bot is silent, then hands back', async () => {
  const red = await ask(people.patient, 'am dureri în piept și respir greu', sessionId);
  expect(red.intent).toBe('EMERGENCY');
  expect(red.reply).toMatch(/112/);
  expect(red.handoff).toMatchObject({ priority: 'URGENT', status: 'QUEUED', reason: 'RED_FLAG' });

  const other = await ask(people.other, 'I want to talk to a human');
  expect(other.handoff).toMatchObject({ priority: 'NORMAL' });
  const queue = await call<{ handoffQueue: { id: string; priority: string; transcript: { reply: string | null }[] }[] }>(
    `{ handoffQueue { id priority transcript { reply } } }`, {}, people.operator.token,
  );
  expect(queue.handoffQueue.map((h) => h.id)).toEqual([red.handoff!.id, other.handoff!.id]);
  expect(queue.handoffQueue[0]!.transcript.length).toBeGreaterThan(5);

  await call(`mutation($id: ID!) { takeOverHandoff(id: $id) { status } }`, { id: red.handoff!.id }, people.operator.token);
  const silent = await ask(people.patient, 'vreau o programare', sessionId);
  expect(silent).toMatchObject({ reply: null, outcome: 'OPERATOR_ACTIVE' });
  await call(`mutation($id: ID!, $m: String!) { operatorReply(handoffId: $id, message: $m) { id } }`, { id: red.handoff!.id, m: 'Vă sunăm acum.' }, people.operator.token);
  const transcript = await call<{ assistantTurns: { author: string; reply: string | null }[] }>(
    `query($s: ID) { assistantTurns(sessionId: $s, first: 200) { author reply } }`, { s: sessionId }, people.patient.token,
  );
  expect(transcript.assistantTurns.at(-1)).toEqual({ author: 'OPERATOR', reply: 'Vă sunăm acum.' });

  // The other patient's hand-off, not picked up within the escalation time, becomes URGENT.
  const em = clinic.stack.subgraphs.assistant!.orm.em.fork();
  expect(await escalateWaiting(em, new Date(Date.now() + 5 * 60_000), 10)).toBe(0);
  expect(await escalateWaiting(em, new Date(Date.now() + 11 * 60_000), 10)).toBe(1);
  const raised = await call<{ handoffQueue: { id: string; priority: string }[] }>(`{ handoffQueue { id priority } }`, {}, people.operator.token);
  expect(raised.handoffQueue.find((h) => h.id === other.handoff!.id)?.priority).toBe('URGENT');

  const back = await call<{ handBackHandoff: { status: string } }>(`mutation($id: ID!) { handBackHandoff(id: $id) { status } }`, { id: red.handoff!.id }, people.operator.token);
  expect(back.handBackHandoff.status).toBe('RETURNED');
  const again = await ask(people.patient, 'mulțumesc', sessionId);
  expect(again).toMatchObject({ intent: 'THANKS' });
  expect(again.reply).toMatch(/^Cu plăcere!/);
});

test('staff edit versioned articles; search folds accents and word endings; the assistant answers citing the article', async () => {
  const SAVE = `mutation($input: KnowledgeArticleInput!) { saveKnowledgeArticle(input: $input) { id version } }`;
  const ro = { slug: 'consultation-prices', language: 'ro', category: 'SERVICES_PRICES', title: 'Prețuri consultații', body: 'O consultație de cardiologie costă 300 de lei. Plata se face cu cardul sau numerar.' };
  const en = { slug: 'consultation-prices', language: 'en', category: 'SERVICES_PRICES', title: 'Consultation prices', body: 'A cardiology consultation costs 250 lei.' };
  await call(SAVE, { input: ro }, people.operator.token);
  const first = await call<{ saveKnowledgeArticle: { id: string; version: number } }>(SAVE, { input: en }, people.operator.token);
  const edited = await call<{ saveKnowledgeArticle: { id: string; version: number } }>(SAVE, { input: { ...en, body: 'A cardiology consultation costs 300 lei. You can pay by card or cash.' } }, people.admin.token);
  expect(edited.saveKnowledgeArticle).toEqual({ id: first.saveKnowledgeArticle.id, version: 2 });
  const versions = await call<{ knowledgeArticleVersions: { version: number; body: string }[] }>(
    `query($id: ID!) { knowledgeArticleVersions(id: $id) { version body } }`, { id: first.saveKnowledgeArticle.id }, people.operator.token,
  );
  expect(versions.knowledgeArticleVersions.map((v) => v.version)).toEqual([2, 1]);
  const denied = await gql(url, SAVE, { variables: { input: { ...ro, slug: 'mine' } }, token: people.patient.token });
  expect(errorCode(denied.body.errors)).toBe('FORBIDDEN');

  const found = await call<{ knowledgeSearch: { title: string }[] }>(
    `query($t: String!) { knowledgeSearch(text: $t, language: "ro") { title } }`, { t: 'preturile consultatiilor' }, people.other.token,
  );
  expect(found.knowledgeSearch.map((a) => a.title)).toEqual(['Prețuri consultații']);

  const answer = await ask(people.other, 'Cât costă o consultație la cardiologie?');
  expect(answer).toMatchObject({ intent: 'INFO', outcome: 'ANSWERED' });
  expect(answer.reply).toContain('300 de lei');
  expect(answer.reply).toContain('„Prețuri consultații”');
  const english = await ask(people.other, 'How much does a consultation cost?');
  expect(english.reply).toContain('(Source: “Consultation prices”)');
});

test('KPIs count turns, hand-offs and completed bookings', async () => {
  const k = await call<{ assistantKpis: { turns: number; handoffs: number; urgentHandoffs: number; bookingsCompleted: number; containmentRate: number } }>(
    `query($f: DateTime!, $t: DateTime!) { assistantKpis(from: $f, to: $t) { turns handoffs urgentHandoffs bookingsCompleted containmentRate } }`,
    { f: new Date(Date.now() - 3_600_000).toISOString(), t: new Date(Date.now() + 60_000).toISOString() },
    people.operator.token,
  );
  expect(k.assistantKpis).toMatchObject({ handoffs: 2, urgentHandoffs: 2, bookingsCompleted: 1 });
  expect(k.assistantKpis.turns).toBeGreaterThan(10);
});
