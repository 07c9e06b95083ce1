// LLM mode: a LangChain agent with the assistant's tools (free slots, the patient's appointments, knowledge
// search, and proposing a booking, a move or a cancellation). Guardrails, in code rather than in the prompt:
// - every tool calls the router with the patient's own token (the `api` of the turn), so the model can never
//   do more than the patient could;
// - the change tools only PROPOSE, and only a slot or appointment the tools returned in this turn (tool
//   results checked); the change happens after the patient's explicit "yes", in the rule-based flow;
// - e-mail addresses and phone numbers are redacted from everything sent to the model;
// - the caller bounds the whole answer with a timeout and falls back to the rule-based engine.
import { AzureChatOpenAI, ChatOpenAI } from '@langchain/openai';
import { createAgent, tool } from 'langchain';
import { z } from 'zod';
import type { ClinicApi, FreeSlot, PatientAppointment } from '../clinic-api/clinic-api.ts';
import { newFlow, type Flow } from '../dialogue/flow.ts';
import { slotLabel } from '../dialogue/replies.ts';
import { bestSlots } from '../dialogue/slots.ts';
import { doctorOf } from '../understanding/doctors.ts';
import type { Language } from '../understanding/language.ts';
import { PART_OF_DAY_HOURS } from '../understanding/dates.ts';
import { redact } from './redact.ts';
import type { LlmSettings } from './settings.ts';

export interface LlmInput {
  message: string;
  language: Language;
  zone: string;
  now: Date;
  api: ClinicApi;
  /** The conversation so far, oldest first. */
  history: { role: 'user' | 'assistant'; text: string }[];
  knowledge: (text: string, language: Language) => Promise<{ title: string; body: string }[]>;
  signal: AbortSignal;
}

export interface LlmAnswer {
  reply: string;
  /** A change the model proposed, waiting for the patient's confirmation (a flow at its CONFIRM step). */
  proposal: Flow | null;
  /** The answer used a knowledge-base article. */
  cited: boolean;
}

export interface LlmAssistant {
  timeoutMs: number;
  answer(input: LlmInput): Promise<LlmAnswer>;
}

function modelOf(settings: LlmSettings) {
  if (settings.kind === 'azure') {
    return new AzureChatOpenAI({
      azureOpenAIApiKey: settings.apiKey,
      azureOpenAIEndpoint: settings.endpoint,
      azureOpenAIApiDeploymentName: settings.deployment,
      azureOpenAIApiVersion: settings.apiVersion,
      maxRetries: 0,
      timeout: settings.timeoutMs,
    });
  }
  return new ChatOpenAI({
    model: settings.model,
    apiKey: settings.apiKey,
    maxRetries: 0,
    timeout: settings.timeoutMs,
    temperature: 0,
    ...(settings.baseUrl ? { configuration: { baseURL: settings.baseUrl } } : {}),
  });
}

const systemPrompt = (input: LlmInput) => `You are the clinic's assistant. Answer in ${input.language === 'ro' ? 'Romanian' : 'English'}, briefly.
Now is ${input.now.toISOString()}; the patient's time zone is ${input.zone}.
Use the tools to find free slots, list the patient's appointments and search the knowledge base. Answer questions
about the clinic only from knowledge_search results, citing the article title; if nothing is found, say so.
To book, move or cancel, call the matching tool: it only proposes the change, and the patient is then asked to
confirm; never say a change is done. Never give a diagnosis or medical advice.`;

const json = (value: unknown) => redact(JSON.stringify(value));

export function createLlmAssistant(settings: LlmSettings): LlmAssistant {
  const model = modelOf(settings);
  return {
    timeoutMs: settings.timeoutMs,
    async answer(input) {
      const { api, language: lang, zone, now } = input;
      // What this turn's tools returned: proposals may only refer to these.
      const seen = { slots: [] as FreeSlot[], appointments: [] as PatientAppointment[], proposal: null as Flow | null, cited: false };

      const searchSlots = tool(
        async ({ doctorName, speciality, date, time, partOfDay }) => {
          const doctor = doctorName ? doctorOf(doctorName, await api.doctors(now, new Date(now.getTime() + 30 * 86_400_000))) : null;
          const flow: Flow = {
            ...newFlow('BOOK'), doctorId: doctor?.doctor.id ?? null, speciality: speciality?.toUpperCase() ?? null, date: date ?? null, time: time ?? null, partOfDay: partOfDay ?? null,
          };
          const found = await bestSlots(api, flow, { zone, usualDoctorId: null, now });
          if (!found.ok) return json({ error: found.error.message });
          seen.slots = found.data;
          return json(found.data.map((s, i) => ({ number: i + 1, doctor: s.doctorName, when: slotLabel(s.startsAt, zone, lang), startsAt: s.startsAt })));
        },
        {
          name: 'search_slots',
          description: 'The three best free slots, by doctor name or speciality (e.g. CARDIOLOGY), on a date (YYYY-MM-DD), nearest a time (HH:mm) or in a part of day.',
          schema: z.object({
            doctorName: z.string().max(100).optional(),
            speciality: z.string().max(60).optional(),
            date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
            time: z.string().regex(/^\d{2}:\d{2}$/).optional(),
            partOfDay: z.enum(Object.keys(PART_OF_DAY_HOURS) as [string, ...string[]]).optional(),
          }),
        },
      );
      const listAppointments = tool(
        async () => {
          const mine = await api.myAppointments(now);
          if (!mine.ok) return json({ error: mine.error.message });
          seen.appointments = mine.data;
          return json(mine.data.map((a, i) => ({ number: i + 1, doctor: a.doctorName, when: slotLabel(a.startsAt, zone, lang), status: a.status })));
        },
        { name: 'list_my_appointments', description: "The patient's upcoming appointments.", schema: z.object({}) },
      );
      const propose = (flow: Flow) => {
        seen.proposal = { ...flow, step: 'CONFIRM' };
        return 'Proposed. The patient will now be asked to confirm; do not say it is done.';
      };
      const requestAppointment = tool(
        async ({ slotNumber, reason }) => {
          const slot = seen.slots[slotNumber - 1];
          if (!slot) return 'No such slot: call search_slots first and use one of its numbers.';
          return propose({ ...newFlow('BOOK'), doctorId: slot.doctorId, offered: seen.slots, chosen: slot, reason: reason?.slice(0, 500) ?? null });
        },
        {
          name: 'request_appointment',
          description: 'Propose booking one of the slots search_slots returned (by its number).',
          schema: z.object({ slotNumber: z.number().int().min(1).max(3), reason: z.string().max(500).optional() }),
        },
      );
      const rescheduleAppointment = tool(
        async ({ appointmentNumber, slotNumber }) => {
          const appointment = seen.appointments[appointmentNumber - 1];
          const slot = seen.slots[slotNumber - 1];
          if (!appointment || !slot) return 'Call list_my_appointments and search_slots first, and use their numbers.';
          return propose({ ...newFlow('RESCHEDULE'), appointment, appointments: seen.appointments, offered: seen.slots, chosen: slot });
        },
        {
          name: 'reschedule_appointment',
          description: 'Propose moving one of the appointments list_my_appointments returned to one of the slots search_slots returned.',
          schema: z.object({ appointmentNumber: z.number().int().min(1).max(20), slotNumber: z.number().int().min(1).max(3) }),
        },
      );
      const cancelAppointment = tool(
        async ({ appointmentNumber }) => {
          const appointment = seen.appointments[appointmentNumber - 1];
          if (!appointment) return 'Call list_my_appointments first and use one of its numbers.';
          return propose({ ...newFlow('CANCEL'), appointment, appointments: seen.appointments });
        },
        {
          name: 'cancel_appointment',
          description: 'Propose cancelling one of the appointments list_my_appointments returned.',
          schema: z.object({ appointmentNumber: z.number().int().min(1).max(20) }),
        },
      );
      const knowledgeSearch = tool(
        async ({ query }) => {
          const articles = await input.knowledge(query, lang);
          if (articles.length) seen.cited = true;
          return json(articles.map((a) => ({ title: a.title, text: a.body.slice(0, 1500) })));
        },
        { name: 'knowledge_search', description: "The clinic's articles (prices, procedures, policies, FAQ) matching the words.", schema: z.object({ query: z.string().min(1).max(300) }) },
      );

      const agent = createAgent({ model, tools: [searchSlots, listAppointments, requestAppointment, rescheduleAppointment, cancelAppointment, knowledgeSearch], systemPrompt: systemPrompt(input) });
      const messages = [...input.history.slice(-10), { role: 'user' as const, text: input.message }].map((m) => ({ role: m.role, content: redact(m.text) }));
      const state = await agent.invoke({ messages }, { signal: input.signal, recursionLimit: 16 });
      const last = state.messages.at(-1);
      const content = last?.content;
      const reply = typeof content === 'string' ? content : Array.isArray(content) ? content.map((c) => ('text' in c && typeof c.text === 'string' ? c.text : '')).join('') : '';
      if (!reply.trim() && !seen.proposal) throw new Error('the model gave no answer');
      return { reply: reply.trim(), proposal: seen.proposal, cited: seen.cited };
    },
  };
}
