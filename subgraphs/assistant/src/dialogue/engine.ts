// The rule-based conversation engine: one user message in, one reply out. Safety first (red flags → 112 and
// an URGENT hand-off; medical advice → a human, never a diagnosis), then hand-off triggers, then the
// booking/change flow with slot filling, corrections, "stop" at any point and an explicit confirmation
// before anything changes. It acts only through `api` (the patient's own token).
import type { ApiError, ClinicApi, FreeSlot, PatientAppointment } from '../clinic-api/clinic-api.ts';
import type { Understanding } from '../understanding/understand.ts';
import type { Language } from '../understanding/language.ts';
import { fold } from '../understanding/text.ts';
import type { HandoffPriority, QuickAction } from '../entities/conversation.ts';
import { newFlow, type Flow } from './flow.ts';
import { say, slotLabel } from './replies.ts';
import { bestSlots } from './slots.ts';

export interface EngineState {
  language: Language;
  zone: string;
  flow: Flow | null;
  lastDoctorId: string | null;
  misunderstandings: number;
}

export interface EngineInput {
  message: string;
  understood: Understanding;
  state: EngineState;
  api: ClinicApi;
  now: Date;
  changeDeadlineHours: number;
  /** The best knowledge-base article for a question, in the language (null: none). */
  knowledge?: (text: string, language: Language) => Promise<{ title: string; body: string } | null>;
  /**
   * False in chat, where the assistant holds no token of the patient: it offers slots as buttons the patient's
   * own client books, and sends appointment changes to the app (default true).
   */
  canAct?: boolean;
}

export interface EngineOutput {
  reply: string;
  quickActions: QuickAction[];
  state: EngineState;
  outcome: string | null;
  handoff: { priority: HandoffPriority; reason: string; topic: string } | null;
}

const STOP = /^(stop|never mind|nevermind|forget it|cancel that|abort|lasa|lasa-l|lasa-o|las-o|gata|renunt|nu mai vreau|opreste)$/;
const OTHER_PERSON = /\b(his|her|their|my (wife|husband|son|daughter|mother|father|mom|dad)'?s?|another patient|other patient|patient \w+|lui|ei|sotiei|sotului|fiului|fiicei|mamei|tatalui|altui pacient|pacientului)\b/;
const SKIP = /^(skip|no reason|none|sari|nimic|fara|nu)$/;

export async function respond(input: EngineInput): Promise<EngineOutput> {
  const { understood: u, state } = input;
  const lang: Language = u.language;
  const base = { ...state, language: lang };
  const out = (reply: string, extra: Partial<EngineOutput> = {}): EngineOutput => ({
    reply,
    quickActions: [],
    state: { ...base, misunderstandings: 0, ...extra.state },
    outcome: null,
    handoff: null,
    ...extra,
  });
  const handoff = (key: 'emergency' | 'medicalAdvice' | 'human' | 'sorryHandoff' | 'misunderstoodTwice', priority: HandoffPriority, reason: string) =>
    out(say(lang, key), { outcome: 'HANDED_OFF', handoff: { priority, reason, topic: topicOf(state.flow, u) }, state: { ...base, misunderstandings: 0 } });

  if (u.intent === 'EMERGENCY') return { ...handoff('emergency', 'URGENT', 'RED_FLAG'), state: { ...base, flow: null, misunderstandings: 0 } };
  if (u.intent === 'MEDICAL_ADVICE') return handoff('medicalAdvice', 'NORMAL', 'MEDICAL_ADVICE');
  const folded = fold(input.message);
  const flow = state.flow;
  if (flow && (STOP.test(folded) || (u.intent === 'CANCEL' && flow.kind !== 'CANCEL' && !/\b(appointment|programare\w*)\b/.test(folded)))) {
    return out(say(lang, 'stopped'), { outcome: 'STOPPED', state: { ...base, flow: null, misunderstandings: 0 } });
  }
  if (OTHER_PERSON.test(folded) && /\b(appointments?|bookings?|programar\w*)\b/.test(folded)) return out(say(lang, 'onlyYours'), { outcome: 'REFUSED_OTHER_PATIENT' });
  if (u.intent === 'HUMAN') return handoff('human', 'NORMAL', 'ASKED_FOR_HUMAN');
  if (u.intent === 'COMPLAINT' || u.sentiment === 'NEGATIVE') return handoff('sorryHandoff', 'NORMAL', u.intent === 'COMPLAINT' ? 'COMPLAINT' : 'NEGATIVE_SENTIMENT');

  if (input.canAct === false && ['RESCHEDULE', 'CANCEL', 'MY_APPOINTMENTS'].includes(u.intent)) {
    return out(say(lang, 'changesInApp'), { outcome: 'NEEDS_APP', state: { ...base, flow: null, misunderstandings: 0 } });
  }
  const startsNew = ['BOOK', 'RESCHEDULE', 'CANCEL', 'MY_APPOINTMENTS'].includes(u.intent) && !(flow && u.intent === flow.kind);
  if (flow && !startsNew) return continueFlow(input, { ...flow }, out);

  switch (u.intent) {
    case 'BOOK':
    case 'AVAILABILITY':
      return continueFlow(input, fill(newFlow('BOOK'), u), out);
    case 'RESCHEDULE':
    case 'CANCEL':
      return chooseAppointment(input, fill(newFlow(u.intent), u), out);
    case 'MY_APPOINTMENTS':
      return listAppointments(input, out);
    case 'GREETING':
      return out(say(lang, 'greeting'), { quickActions: starters(lang) });
    case 'THANKS':
      return out(say(lang, 'thanks'), { outcome: 'RESOLVED' });
    case 'INFO':
    case 'DOCTOR_INFO':
      return doctorsOrInfo(input, out);
    default: {
      const misunderstandings = state.misunderstandings + 1;
      if (misunderstandings >= 2) return handoff('misunderstoodTwice', 'NORMAL', 'MISUNDERSTOOD');
      return out(say(lang, 'misunderstood'), { outcome: 'FALLBACK', quickActions: starters(lang), state: { ...base, misunderstandings } });
    }
  }
}

type Out = (reply: string, extra?: Partial<EngineOutput>) => EngineOutput;

function topicOf(flow: Flow | null, u: Understanding): string {
  if (u.intent === 'EMERGENCY') return 'EMERGENCY';
  if (flow) return flow.kind;
  return ['BOOK', 'RESCHEDULE', 'CANCEL', 'INFO', 'COMPLAINT', 'MEDICAL_ADVICE'].includes(u.intent) ? u.intent : 'GENERAL';
}

function starters(lang: Language): QuickAction[] {
  return lang === 'ro'
    ? [{ label: 'Programare nouă', message: 'Vreau o programare' }, { label: 'Programările mele', message: 'Care sunt programările mele' }]
    : [{ label: 'Book an appointment', message: 'I want to book an appointment' }, { label: 'My appointments', message: 'What are my appointments' }];
}

/** Puts what the message said into the flow; a new day or time replaces the old one (a correction). */
function fill(flow: Flow, u: Understanding): Flow {
  const next = { ...flow };
  for (const e of u.entities) {
    if (e.kind === 'DOCTOR') [next.doctorId, next.speciality] = [e.value, null];
    if ((e.kind === 'SPECIALITY' || e.kind === 'SYMPTOM') && !next.doctorId) next.speciality = e.value;
  }
  if (u.when && (u.when.date || u.when.time || u.when.partOfDay)) {
    if (u.when.date) next.date = u.when.date;
    next.time = u.when.time;
    next.partOfDay = u.when.partOfDay;
  }
  return next;
}

const choice = (u: Understanding): number | null => {
  const n = u.entities.find((e) => e.kind === 'NUMBER');
  return n ? Number(n.value) - 1 : null;
};

async function continueFlow(input: EngineInput, flow: Flow, out: Out): Promise<EngineOutput> {
  const { understood: u, state } = input;
  const lang = u.language;
  if (flow.step === 'REASON') {
    const reason = SKIP.test(fold(input.message)) ? null : input.message.slice(0, 500);
    return confirm(input, { ...flow, reason, step: 'CONFIRM' }, out);
  }
  const said = fill(flow, u);
  const changedWhen = said.date !== flow.date || said.time !== flow.time || said.partOfDay !== flow.partOfDay;
  const changedWho = said.doctorId !== flow.doctorId || said.speciality !== flow.speciality;
  let next: Flow = said;
  if (changedWhen || changedWho) next = { ...said, offered: [], chosen: null, step: said.kind === 'BOOK' ? 'WHAT' : 'WHEN' };

  if (next.step === 'WHICH_APPOINTMENT') return chooseAppointment(input, next, out);
  if (next.step === 'CONFIRM') {
    if (u.intent === 'AFFIRM') return execute(input, next, out);
    if (u.intent === 'DENY') return out(say(lang, 'whatChange'), { state: { ...state, language: lang, flow: { ...next, step: 'WHEN', offered: [], chosen: null }, misunderstandings: 0 } });
    return confirm(input, next, out);
  }
  if (next.step === 'SLOT') {
    const index = choice(u);
    const picked = index != null ? next.offered[index] : undefined;
    if (input.canAct === false) return ask(input, next, say(lang, 'tapSlot'), out, slotActions(next.offered, state.zone, lang));
    if (picked) {
      next.chosen = picked;
      if (next.kind === 'BOOK') return ask(input, { ...next, step: 'REASON' }, say(lang, 'reason'), out);
      return confirm(input, { ...next, step: 'CONFIRM' }, out);
    }
    return ask(input, next, say(lang, 'pickSlot'), out, slotActions(next.offered, state.zone, lang));
  }
  if (next.kind === 'BOOK' && !next.doctorId && !next.speciality) return ask(input, { ...next, step: 'WHAT' }, say(lang, 'what'), out);
  if (!next.date && !next.partOfDay && !next.time) return ask(input, { ...next, step: 'WHEN' }, say(lang, 'when'), out);
  return offerSlots(input, next, out);
}

async function offerSlots(input: EngineInput, flow: Flow, out: Out): Promise<EngineOutput> {
  const { state } = input;
  const lang = input.understood.language;
  const doctorId = flow.kind === 'BOOK' ? flow.doctorId : flow.appointment!.doctorId;
  const found = await bestSlots(input.api, { ...flow, doctorId }, { zone: state.zone, usualDoctorId: state.lastDoctorId, now: input.now });
  if (!found.ok) return out(say(lang, 'apiDown'), { state: { ...state, language: lang, flow, misunderstandings: 0 } });
  if (!found.data.length) return ask(input, { ...flow, step: 'WHEN', offered: [] }, say(lang, 'noSlots'), out);
  const next: Flow = { ...flow, step: 'SLOT', offered: found.data };
  const lines = found.data.map((s, i) => `${i + 1}. ${slotLabel(s.startsAt, state.zone, lang)} — ${s.doctorName}`);
  const pick = say(lang, input.canAct === false ? 'tapSlot' : 'pickSlot');
  return ask(input, next, `${say(lang, 'offer')}\n${lines.join('\n')}\n${pick}`, out, slotActions(found.data, state.zone, lang));
}

const slotActions = (slots: FreeSlot[], zone: string, lang: Language): QuickAction[] =>
  slots.map((s, i) => ({
    label: `${slotLabel(s.startsAt, zone, lang)} · ${s.doctorName}`,
    message: String(i + 1),
    slot: { doctorId: s.doctorId, startsAt: s.startsAt, consultationType: s.consultationType },
  }));

function ask(input: EngineInput, flow: Flow, reply: string, out: Out, quickActions: QuickAction[] = []): EngineOutput {
  return out(reply, { quickActions, state: { ...input.state, language: input.understood.language, flow, misunderstandings: 0 } });
}

/** The question asked before anything changes (also after the LLM proposes a change), with yes/no buttons. */
export function confirmation(flow: Flow, lang: Language, zone: string): { reply: string; quickActions: QuickAction[] } {
  const quickActions: QuickAction[] = lang === 'ro' ? [{ label: 'Da', message: 'da' }, { label: 'Nu', message: 'nu' }] : [{ label: 'Yes', message: 'yes' }, { label: 'No', message: 'no' }];
  if (flow.kind === 'CANCEL') {
    const a = flow.appointment!;
    return { reply: say(lang, 'confirmCancel', { doctor: a.doctorName, slot: slotLabel(a.startsAt, zone, lang) }), quickActions };
  }
  const c = flow.chosen!;
  const key = flow.kind === 'BOOK' ? 'confirmBook' : 'confirmReschedule';
  return { reply: say(lang, key, { doctor: c.doctorName, slot: slotLabel(c.startsAt, zone, lang) }), quickActions };
}

function confirm(input: EngineInput, flow: Flow, out: Out): EngineOutput {
  const { reply, quickActions } = confirmation(flow, input.understood.language, input.state.zone);
  return ask(input, { ...flow, step: 'CONFIRM' }, reply, out, quickActions);
}

async function execute(input: EngineInput, flow: Flow, out: Out): Promise<EngineOutput> {
  const { api, state } = input;
  const lang = input.understood.language;
  const done = (reply: string, outcome: string, lastDoctorId = state.lastDoctorId) =>
    out(reply, { outcome, state: { ...state, language: lang, flow: null, lastDoctorId, misunderstandings: 0 } });
  const refused = (error: ApiError) => {
    if (error.reason === 'DEADLINE_PASSED') {
      return out(say(lang, 'deadline', { hours: String(input.changeDeadlineHours) }), {
        outcome: 'REFUSED_DEADLINE',
        state: { ...state, language: lang, flow: null, misunderstandings: 0 },
      });
    }
    return out(say(lang, 'refused', { why: error.message }), { outcome: 'REFUSED', state: { ...state, language: lang, flow: null, misunderstandings: 0 } });
  };
  if (flow.kind === 'BOOK') {
    const c = flow.chosen!;
    const r = await api.requestAppointment({ doctorId: c.doctorId, startsAt: c.startsAt, consultationType: c.consultationType, ...(flow.reason ? { reason: flow.reason } : {}) });
    if (!r.ok) return refused(r.error);
    return done(say(lang, 'booked', { slot: slotLabel(r.data.startsAt, state.zone, lang), doctor: c.doctorName, status: r.data.status }), 'BOOKED', c.doctorId);
  }
  const a = flow.appointment!;
  if (flow.kind === 'CANCEL') {
    const r = await api.cancelAppointment(a.id);
    if (!r.ok) return refused(r.error);
    return done(say(lang, 'cancelled', { slot: slotLabel(a.startsAt, state.zone, lang) }), 'CANCELLED');
  }
  const r = await api.rescheduleAppointment(a.id, flow.chosen!.startsAt);
  if (!r.ok) return refused(r.error);
  return done(say(lang, 'rescheduled', { slot: slotLabel(r.data.startsAt, state.zone, lang) }), 'RESCHEDULED', a.doctorId);
}

async function upcoming(input: EngineInput): Promise<PatientAppointment[] | null> {
  const r = await input.api.myAppointments(input.now);
  return r.ok ? r.data : null;
}

function appointmentActions(list: PatientAppointment[], zone: string, lang: Language): QuickAction[] {
  return list.slice(0, 3).map((a, i) => ({ label: `${slotLabel(a.startsAt, zone, lang)} · ${a.doctorName}`, message: String(i + 1) }));
}

async function chooseAppointment(input: EngineInput, flow: Flow, out: Out): Promise<EngineOutput> {
  const { state, understood: u } = input;
  const lang = u.language;
  let list = flow.appointments;
  if (!list.length) {
    const found = await upcoming(input);
    if (!found) return out(say(lang, 'apiDown'));
    list = found;
  }
  if (!list.length) return out(say(lang, 'noAppointments'), { state: { ...state, language: lang, flow: null, misunderstandings: 0 } });
  const byDoctor = u.entities.find((e) => e.kind === 'DOCTOR');
  const index = choice(u);
  const picked = list.length === 1 ? list[0] : index != null ? list[index] : byDoctor ? list.find((a) => a.doctorId === byDoctor.value) : undefined;
  if (!picked) {
    return ask(input, { ...flow, appointments: list, step: 'WHICH_APPOINTMENT' }, say(lang, 'whichAppointment'), out, appointmentActions(list, state.zone, lang));
  }
  const next: Flow = { ...flow, appointments: list, appointment: picked };
  if (flow.kind === 'CANCEL') return confirm(input, next, out);
  if (!next.date && !next.time && !next.partOfDay) return ask(input, { ...next, step: 'WHEN' }, say(lang, 'when'), out);
  return offerSlots(input, next, out);
}

async function listAppointments(input: EngineInput, out: Out): Promise<EngineOutput> {
  const lang = input.understood.language;
  const list = await upcoming(input);
  if (!list) return out(say(lang, 'apiDown'));
  if (!list.length) return out(say(lang, 'noAppointments'), { outcome: 'RESOLVED' });
  const lines = list.map((a) => `• ${slotLabel(a.startsAt, input.state.zone, lang)} — ${a.doctorName} (${a.status})`);
  return out(`${say(lang, 'yourAppointments')}\n${lines.join('\n')}`, { outcome: 'RESOLVED' });
}

async function doctorsOrInfo(input: EngineInput, out: Out): Promise<EngineOutput> {
  const lang = input.understood.language;
  if (input.understood.intent === 'INFO') {
    const article = await input.knowledge?.(input.message, lang);
    if (!article) return out(say(lang, 'info'), { quickActions: starters(lang), outcome: 'FALLBACK' });
    return out(say(lang, 'fromArticle', { answer: excerpt(article.body), title: article.title }), { outcome: 'ANSWERED' });
  }
  const doctors = await input.api.doctors(input.now, new Date(input.now.getTime() + 14 * 86_400_000));
  const speciality = input.understood.entities.find((e) => e.kind === 'SPECIALITY')?.value;
  const list = doctors.filter((d) => !speciality || d.specialisations?.includes(speciality)).map((d) => d.name);
  return out(say(lang, 'doctors', { list: list.join(', ') || '—' }), { outcome: 'RESOLVED' });
}

/** The first sentences of an article, up to about 400 characters. */
function excerpt(body: string): string {
  const sentences = body.replace(/\s+/g, ' ').match(/[^.!?]+[.!?]*/g) ?? [body];
  let text = '';
  for (const sentence of sentences) {
    if (text && text.length + sentence.length > 400) break;
    text += sentence;
  }
  return text.trim().slice(0, 400);
}
