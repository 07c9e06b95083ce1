// LLM mode in chat: with a model configured (a local OpenAI-compatible stub that scripts tool calls) and the
// patient's delegated token, a chat turn goes through the same agent as askAssistant, with the same guardrails:
// the tools run through the router with that patient's rights, a change is only proposed and happens after the
// patient's "yes" (decided by the rules, not the model), no e-mail or phone number reaches the model, and a
// model that does not answer in time leaves the answer to the rule-based engine.
import { deskConversation as startDesk, say as sayInChat } from '../testing/chat.ts';
import { local, startAssistantClinic, type AssistantClinic, type Who } from '../testing/clinic.ts';
import { startOpenAiStub, type OpenAiStub } from '../testing/openai-stub.ts';

let clinic: AssistantClinic;
let stub: OpenAiStub;

beforeAll(async () => {
  stub = await startOpenAiStub();
  clinic = await startAssistantClinic({
    withChat: true,
    assistant: { env: { ...process.env, LLM_BASE_URL: stub.url, LLM_API_KEY: 'stub-key', LLM_TIMEOUT_MS: '3000' } },
  });
}, 90_000);

afterAll(async () => {
  await clinic?.stop();
  await stub?.close();
});

const say = (who: Who, conversationId: string, body: string) => sayInChat(clinic, who, conversationId, body);
const deskConversation = (who: Who) => startDesk(clinic, who);

const toolResults = (from: number) => stub.requests.slice(from).flatMap((r) => r.messages.filter((m) => m.role === 'tool').map((m) => String(m.content)));

test('in chat the agent searches with the patient\'s rights and proposes; the booking happens after "yes"; contacts never reach the model', async () => {
  const { patient, doctor } = clinic.people;
  const conversationId = await deskConversation(patient);
  const day = local(2, '10:00');
  stub.script([
    { toolCalls: [{ name: 'search_slots', args: { doctorName: 'Ionescu', date: day.toISODate(), time: '10:00' } }] },
    { toolCalls: [{ name: 'request_appointment', args: { slotNumber: 1, reason: 'control' } }] },
    { content: 'Dr. Ana Ionescu are liber la 10:00 în acea zi.' },
  ]);
  const before = stub.requests.length;
  const proposed = await say(patient, conversationId, 'Programează-mă la dr Ionescu poimâine la 10, scrieți-mi la maria.popescu@example.com sau la 0722 123 456');
  expect(proposed.body).toMatch(/^Dr\. Ana Ionescu are liber la 10:00 în acea zi\.\nTrimit cererea de programare pe .* la Dr\. Ana Ionescu\? \(da \/ nu\)$/);
  expect(toolResults(before)[0]).toContain(day.toUTC().toISO());
  expect(JSON.stringify(stub.requests.slice(before))).not.toMatch(/maria\.popescu@example\.com|722 123 456/);
  const mine = () => clinic.call<{ myAppointments: { status: string; startsAt: string; doctor: { id: string } }[] }>(`{ myAppointments { status startsAt doctor { id } } }`, {}, patient.token);
  expect((await mine()).myAppointments).toEqual([]);

  const asked = stub.requests.length;
  expect((await say(patient, conversationId, 'da')).body).toMatch(/^Gata: cererea/);
  expect(stub.requests.length).toBe(asked);
  expect((await mine()).myAppointments).toEqual([{ status: 'REQUESTED', startsAt: day.toUTC().toISO(), doctor: { id: doctor.userId } }]);
});

test('in chat, a model that does not answer in time leaves the answer to the rules', async () => {
  const { other } = clinic.people;
  const conversationId = await deskConversation(other);
  stub.script([{ hang: true }]);
  const before = stub.requests.length;
  const reply = await say(other, conversationId, 'hello');
  expect(stub.requests.length).toBe(before + 1);
  expect(reply.body).toBe('Hello! I am the clinic assistant. How can I help?');
}, 60_000);
