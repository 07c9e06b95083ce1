// Analytics through the router on the real Postgres, with the assistant's clock set by the test: a rating is
// asked once a conversation is resolved and stored; time to resolution; messages the assistant did not
// understand are listed for staff, who label them, and the same or a similar message is understood from then
// on; KPIs per day in the asker's time zone. Patients may neither label nor rate someone else's conversation.
import { codeOf } from '@clinic/service-kit/testing';
import { startAssistantClinic, type AssistantClinic, type Who } from '../testing/clinic.ts';
import { postGraphQL } from '@clinic/service-kit/testing';

let clinic: AssistantClinic;
// The assistant's clock: turns are recorded at the instants the test chooses (days in Bucharest, UTC+3 in May).
let now = new Date('2031-05-12T07:00:00Z');

beforeAll(async () => {
  clinic = await startAssistantClinic({ assistant: { now: () => now } });
}, 90_000);

afterAll(async () => {
  await clinic?.stop();
});

interface Turn {
  sessionId: string;
  intent: string;
  reply: string | null;
  outcome: string | null;
  quickActions: { label: string; message: string }[];
}
async function ask(who: Who, message: string, sessionId?: string, at?: string): Promise<Turn> {
  if (at) now = new Date(at);
  const d = await clinic.call<{ askAssistant: Turn }>(
    `mutation($m: String!, $s: ID) { askAssistant(message: $m, sessionId: $s, timeZone: "Europe/Bucharest") { sessionId intent reply outcome quickActions { label message } } }`,
    { m: message, s: sessionId ?? null },
    who.token,
  );
  return d.askAssistant;
}

const KPIS = `query($f: DateTime!, $t: DateTime!, $z: String) { assistantKpis(from: $f, to: $t, timeZone: $z) {
  conversations ratings averageSatisfaction averageTimeToResolutionSeconds handoffRate
  topUnrecognised { text count }
  days { day turns conversations fallbacks ratings averageSatisfaction averageTimeToResolutionSeconds } } }`;
let answered = '';

test('a resolved conversation asks for a rating once; the answer is stored; the time to resolution is counted', async () => {
  const { patient, operator, other } = clinic.people;
  await clinic.call(
    `mutation($input: KnowledgeArticleInput!) { saveKnowledgeArticle(input: $input) { id } }`,
    { input: { slug: 'prices', language: 'en', category: 'SERVICES_PRICES', title: 'Consultation prices', body: 'A consultation costs 250 lei.' } },
    operator.token,
  );
  const hello = await ask(patient, 'hello', undefined, '2031-05-12T07:00:00Z');
  answered = hello.sessionId;
  const price = await ask(patient, 'How much does a consultation cost?', answered, '2031-05-12T07:02:00Z');
  expect(price.outcome).toBe('ANSWERED');
  const thanks = await ask(patient, 'thank you', answered, '2031-05-12T07:03:00Z');
  expect(thanks.reply).toBe('You are welcome!\nHow would you rate this conversation, from 1 (poor) to 5 (excellent)?');
  expect(thanks.quickActions.map((a) => a.message)).toEqual(['1', '2', '3', '4', '5']);
  const rated = await ask(patient, '4', answered, '2031-05-12T07:04:00Z');
  expect(rated).toMatchObject({ outcome: 'RATED', reply: 'Thank you for your rating!' });
  // Asked once: thanking again does not ask again.
  expect((await ask(patient, 'thanks', answered, '2031-05-12T07:05:00Z')).reply).toBe('You are welcome!');

  // Nobody rates a conversation that is not theirs.
  const foreign = await postGraphQL(clinic.url, `mutation($s: ID!) { rateAssistantConversation(sessionId: $s, rating: 1) }`, { s: answered }, other.token);
  expect(codeOf(foreign.errors)).toBe('FORBIDDEN');

  const k = await clinic.call<{ assistantKpis: { ratings: number; averageSatisfaction: number; averageTimeToResolutionSeconds: number } }>(
    KPIS, { f: '2031-05-12T00:00:00Z', t: '2031-05-13T00:00:00Z', z: 'Europe/Bucharest' }, operator.token,
  );
  expect(k.assistantKpis).toMatchObject({ ratings: 1, averageSatisfaction: 4, averageTimeToResolutionSeconds: 120 });
});

test('unrecognised messages are listed for staff; a label makes the same and similar messages understood', async () => {
  const { patient, other, operator } = clinic.people;
  const first = await ask(other, 'can I pop in on Friday?', undefined, '2031-05-12T22:30:00Z');
  expect(first).toMatchObject({ intent: 'OUT_OF_SCOPE', outcome: 'FALLBACK' });
  await ask(patient, 'Can I pop in on Friday', undefined, '2031-05-12T22:40:00Z');

  const LIST = `query($f: DateTime!, $t: DateTime!) { unrecognisedMessages(from: $f, to: $t) { text language count } }`;
  const range = { f: '2031-05-12T00:00:00Z', t: '2031-05-14T00:00:00Z' };
  const listed = await clinic.call<{ unrecognisedMessages: { text: string; language: string; count: number }[] }>(LIST, range, operator.token);
  expect(listed.unrecognisedMessages[0]).toMatchObject({ language: 'en', count: 2 });
  expect(listed.unrecognisedMessages[0]!.text.toLowerCase()).toContain('pop in on friday');
  const denied = await postGraphQL(clinic.url, LIST, range, patient.token);
  expect(codeOf(denied.errors)).toBe('FORBIDDEN');

  const LABEL = `mutation($input: AssistantLabelInput!) { labelAssistantMessage(input: $input) { intent text } }`;
  const forbidden = await postGraphQL(clinic.url, LABEL, { input: { text: 'can I pop in on Friday?', language: 'en', intent: 'BOOK' } }, patient.token);
  expect(codeOf(forbidden.errors)).toBe('FORBIDDEN');
  const emergency = await postGraphQL(clinic.url, LABEL, { input: { text: 'can I pop in on Friday?', language: 'en', intent: 'EMERGENCY' } }, operator.token);
  expect(codeOf(emergency.errors)).toBe('BAD_USER_INPUT');
  await clinic.call(LABEL, { input: { text: 'can I pop in on Friday?', language: 'en', intent: 'BOOK' } }, operator.token);

  expect((await ask(other, 'can I pop in on Friday?', undefined, '2031-05-13T08:00:00Z')).intent).toBe('BOOK');
  // Similar: another day, the same request.
  const similar = await ask(patient, 'could I pop in next Monday', undefined, '2031-05-13T08:05:00Z');
  expect(similar.intent).toBe('BOOK');
  expect((await clinic.call<{ unrecognisedMessages: unknown[] }>(LIST, range, operator.token)).unrecognisedMessages).toEqual([]);
});

test('KPIs per day in the asker’s time zone', async () => {
  const k = await clinic.call<{ assistantKpis: { conversations: number; days: { day: string; conversations: number; fallbacks: number; ratings: number; averageTimeToResolutionSeconds: number | null }[] } }>(
    KPIS, { f: '2031-05-11T00:00:00Z', t: '2031-05-14T00:00:00Z', z: 'Europe/Bucharest' }, clinic.people.operator.token,
  );
  // 22:30Z and 22:40Z on the 12th are already the 13th in Bucharest.
  expect(k.assistantKpis.days).toEqual([
    { day: '2031-05-12', conversations: 1, fallbacks: 0, ratings: 1, averageTimeToResolutionSeconds: 120 },
    { day: '2031-05-13', conversations: 4, fallbacks: 2, ratings: 0, averageTimeToResolutionSeconds: null },
  ].map((d) => expect.objectContaining(d)));
  expect(k.assistantKpis.conversations).toBe(5);
  const utc = await clinic.call<{ assistantKpis: { days: { day: string }[] } }>(KPIS, { f: '2031-05-11T00:00:00Z', t: '2031-05-14T00:00:00Z', z: 'UTC' }, clinic.people.operator.token);
  expect(utc.assistantKpis.days.map((d) => d.day)).toEqual(['2031-05-12', '2031-05-13']);
  const bad = await postGraphQL(clinic.url, KPIS, { f: '2031-05-11T00:00:00Z', t: '2031-05-14T00:00:00Z', z: 'Mars/Olympus' }, clinic.people.operator.token);
  expect(codeOf(bad.errors)).toBe('BAD_USER_INPUT');
});
