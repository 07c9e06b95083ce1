// LLM mode against a local OpenAI-compatible stub that scripts the model's tool calls, through the router with
// real tokens: the agent's tools run with the patient's own rights (another patient's list is theirs only), a
// change is only proposed and happens after the patient's "yes", no e-mail or phone number reaches the model,
// red flags never go to the model, and a model that does not answer in time leaves the rule-based engine to
// answer.
import { local, startAssistantClinic, ZONE, type AssistantClinic, type Who } from '../testing/clinic.ts';
import { startOpenAiStub, type OpenAiStub } from '../testing/openai-stub.ts';

let clinic: AssistantClinic;
let stub: OpenAiStub;

beforeAll(async () => {
  stub = await startOpenAiStub();
    // The router waits longer than the assistant waits for the model, so the fallback answer gets through.
  clinic = await startAssistantClinic({
    assistant: { env: { ...process.env, LLM_BASE_URL: stub.url, LLM_API_KEY: 'stub-key', LLM_TIMEOUT_MS: '15000' } },
    routerEnv: { UPSTREAM_TIMEOUT_MS: '60000' },
  });
}, 90_000);

afterAll(async () => {
  await clinic?.stop();
  await stub?.close();
});

interface Turn {
  reply: string | null;
  outcome: string | null;
  sessionId: string;
}

async function ask(who: Who, message: string, sessionId?: string): Promise<Turn> {
  const d = await clinic.call<{ askAssistant: Turn }>(
    `mutation($m: String!, $s: ID, $z: String) { askAssistant(message: $m, sessionId: $s, timeZone: $z) { reply outcome sessionId } }`,
    { m: message, s: sessionId ?? null, z: ZONE },
    who.token,
  );
  return d.askAssistant;
}

const sent = (from = 0) => JSON.stringify(stub.requests.slice(from));
const toolResults = (from = 0) => stub.requests.slice(from).flatMap((r) => r.messages.filter((m) => m.role === 'tool').map((m) => String(m.content)));

test('the agent searches and proposes with the patient’s rights; the booking happens only after "yes"; contacts are redacted', async () => {
  const { patient, doctor } = clinic.people;
  const day = local(2, '10:00');
  stub.script([
    { toolCalls: [{ name: 'search_slots', args: { doctorName: 'Ionescu', date: day.toISODate(), time: '10:00' } }] },
    { toolCalls: [{ name: 'request_appointment', args: { slotNumber: 1, reason: 'annual check-up' } }] },
    { content: 'Dr. Ana Ionescu has 10:00 free that day.' },
  ]);
  const before = stub.requests.length;
  const proposed = await ask(patient, 'Book me with dr Ionescu the day after tomorrow at 10, write to maria.popescu@example.com or call +40 722 123 456');
  expect(proposed.reply).toMatch(/^Dr\. Ana Ionescu has 10:00 free that day\.\nShall I request .* with Dr\. Ana Ionescu\? \(yes \/ no\)$/);
  // The tools ran through the router: the model saw the doctor's real free slots.
  expect(toolResults(before)[0]).toContain(day.toUTC().toISO());
  // Nothing identifying by contact reached the model.
  expect(sent(before)).not.toMatch(/maria\.popescu@example\.com|722 123 456|722123456/);
  expect(sent(before)).toContain('[email]');
  expect(sent(before)).toContain('[phone]');
  // Nothing was changed before the explicit confirmation.
  expect((await clinic.call<{ myAppointments: unknown[] }>(`{ myAppointments { id } }`, {}, patient.token)).myAppointments).toEqual([]);

  const asked = stub.requests.length;
  const done = await ask(patient, 'yes', proposed.sessionId);
  expect(done.outcome).toBe('BOOKED');
  // The confirmation is the rules' job, not the model's.
  expect(stub.requests.length).toBe(asked);
  const mine = await clinic.call<{ myAppointments: { status: string; startsAt: string; reason: string; doctor: { id: string } }[] }>(
    `{ myAppointments { status startsAt reason doctor { id } } }`, {}, patient.token,
  );
  expect(mine.myAppointments).toEqual([{ status: 'REQUESTED', startsAt: day.toUTC().toISO(), reason: 'annual check-up', doctor: { id: doctor.userId } }]);
});

test("the tools act with the asking patient's own token: another patient's list is theirs only", async () => {
  stub.script([{ toolCalls: [{ name: 'list_my_appointments', args: {} }] }, { content: 'You have no upcoming appointments.' }]);
  const before = stub.requests.length;
  const turn = await ask(clinic.people.other, 'which appointments do I have coming up?');
  expect(turn.reply).toBe('You have no upcoming appointments.');
  expect(toolResults(before)).toEqual(['[]']);
});

test('a proposal naming a slot no tool returned is refused by the tool, and nothing is proposed', async () => {
  stub.script([{ toolCalls: [{ name: 'request_appointment', args: { slotNumber: 2 } }] }, { content: 'Which day would suit you?' }]);
  const before = stub.requests.length;
  const turn = await ask(clinic.people.other, 'book me something please');
  expect(toolResults(before)[0]).toMatch(/call search_slots first/);
  expect(turn.reply).toBe('Which day would suit you?');
});

test('red flags never go to the model: 112 at once', async () => {
  const before = stub.requests.length;
  const turn = await ask(clinic.people.other, 'I have chest pain and cannot breathe');
  expect(turn.reply).toMatch(/112/);
  expect(stub.requests.length).toBe(before);
});

test('a model that does not answer in time: the rule-based engine answers', async () => {
  stub.script([{ hang: true }]);
  const before = stub.requests.length;
  const turn = await ask(clinic.people.other, 'hello');
  expect(stub.requests.length).toBe(before + 1);
  expect(turn.reply).toBe('Hello! I am the clinic assistant. How can I help?');
}, 60_000);
