// One askAssistant turn: understand the message in the user's context, let the engine answer (unless an
// operator has taken over: then the assistant stays silent, except that a red flag always gets 112),
// and record the turn, the context and any hand-off in one transaction. The hand-off event carries ids only.
import { randomUUID } from 'node:crypto';
import { checkTimeZone, enqueueEvent, HANDOFF_REQUESTED_TOPIC, type UserViewer } from '@clinic/service-kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AssistantContextSchema, AssistantTurnSchema, HandoffSchema, type AssistantTurn, type Handoff } from '../entities/conversation.ts';
import { understand } from '../understanding/understand.ts';
import type { Language } from '../understanding/language.ts';
import { confirmation, respond, type EngineOutput } from '../dialogue/engine.ts';
import { loadExamples } from '../analytics/labelling.ts';
import { ratingActions, ratingOf, ratingQuestion, ratingThanks, saveRating, shouldAskRating } from '../analytics/satisfaction.ts';
import type { LlmAnswer, LlmAssistant, LlmInput } from '../llm/agent.ts';
import { say } from '../dialogue/replies.ts';
import type { ClinicApi } from '../clinic-api/clinic-api.ts';
import { checkSession } from './access.ts';
import { searchArticles } from '../knowledge/knowledge-base.ts';

export const DEFAULT_ZONE = 'Europe/Bucharest';
export const HANDOFF_TOPIC = HANDOFF_REQUESTED_TOPIC;

export interface AskInput {
  message: string;
  sessionId: string | null;
  timeZone: string | null;
}

/** Where the turn comes from: askAssistant (acts with the caller's token) or a chat message (offers only). */
export interface TurnSource {
  /** The chat message this turn answers (a redelivered chat event finds its turn). */
  chatMessageId?: string | null;
  /** False in chat: the assistant has no token of the patient there, so slots become buttons the patient's client books. */
  canAct: boolean;
  /** False: quick actions keep no slot to book directly (in chat, when the assistant books after a "yes"). */
  slotButtons?: boolean;
}

export interface AssistantClock {
  now: () => Date;
  changeDeadlineHours: number;
  /** LLM mode, when one is configured (null or absent: rule-based only). */
  llm?: LlmAssistant | null;
}

export async function askAssistant(em: EntityManager, viewer: UserViewer, input: AskInput, api: ClinicApi, clock: AssistantClock): Promise<AssistantTurn> {
  if (input.sessionId) await checkSession(em, viewer, input.sessionId);
  return converse(em, viewer, input, api, clock, { canAct: true });
}

/** One turn for a user (the session is theirs: checked by the caller, or a chat conversation they write in). */
export async function converse(em: EntityManager, viewer: { userId: string }, input: AskInput, api: ClinicApi, clock: AssistantClock, source: TurnSource): Promise<AssistantTurn> {
  const sessionId = input.sessionId ?? randomUUID();
  const now = clock.now();
  const saved = await em.findOne(AssistantContextSchema, { userId: viewer.userId });
  const zone = input.timeZone ? checkTimeZone(input.timeZone) : (saved?.zone ?? DEFAULT_ZONE);
  const doctors = await api.doctors(now, new Date(now.getTime() + 30 * 86_400_000));
  const examples = await loadExamples(em);
  const understood = understand({ text: input.message, now, zone, doctors, language: (saved?.language as Language | undefined) ?? undefined, examples });
  const openHandoff = await em.findOne(HandoffSchema, { sessionId, status: { $in: ['QUEUED', 'ACTIVE'] } }, { orderBy: { createdAt: 'desc' } });
  const lang = understood.language;

  let result: Omit<EngineOutput, 'reply'> & { reply: string | null };
  const state = {
    language: lang,
    zone,
    flow: saved?.flow ?? null,
    lastDoctorId: saved?.lastDoctorId ?? null,
    misunderstandings: saved?.misunderstandings ?? 0,
  };
  const rating = saved?.ratingSessionId === sessionId ? ratingOf(input.message) : null;
  let askRating = false;
  if (openHandoff?.status === 'ACTIVE') {
    const urgent = understood.intent === 'EMERGENCY';
    result = {
      reply: urgent ? say(lang, 'emergency') : null,
      quickActions: [],
      state,
      outcome: urgent ? 'HANDED_OFF' : 'OPERATOR_ACTIVE',
      handoff: urgent ? { priority: 'URGENT', reason: 'RED_FLAG', topic: 'EMERGENCY' } : null,
    };
  } else if (rating !== null) {
    result = { reply: ratingThanks(lang), quickActions: [], state, outcome: 'RATED', handoff: null };
  } else {
    const knowledge = async (text: string, language: Language) => (await searchArticles(em, text, language, 3)).map((f) => f.article);
    const llm = clock.llm && source.canAct && !state.flow && !SAFETY_FIRST.includes(understood.intent) && understood.sentiment !== 'NEGATIVE'
      ? await llmTurn(em, clock.llm, { message: input.message, language: lang, zone, now, api, knowledge, sessionId })
      : null;
    result = llm
      ? fromLlm(llm, state, lang, zone)
      : await respond({ message: input.message, understood, state, api, now, changeDeadlineHours: clock.changeDeadlineHours, knowledge: async (t, l) => (await knowledge(t, l))[0] ?? null, canAct: source.canAct });
    if (result.reply && !result.handoff && shouldAskRating(result.outcome, understood.intent) && !(await rated(em, sessionId))) {
      askRating = true;
      result = { ...result, reply: `${result.reply}\n${ratingQuestion(lang)}`, quickActions: ratingActions() };
    }
  }

  return em.transactional(async (tx) => {
    let handoffId: string | null = null;
    if (result.handoff) {
      const handoff = await openOrRaise(tx, openHandoff, { userId: viewer.userId, sessionId, language: lang, ...result.handoff }, now);
      handoffId = handoff.id;
    }
    if (rating !== null) await saveRating(tx, sessionId, viewer.userId, rating, now);
    const context = saved ? tx.merge(AssistantContextSchema, saved) : null;
    const values = {
      language: result.state.language, zone, flow: result.state.flow, lastDoctorId: result.state.lastDoctorId, misunderstandings: result.state.misunderstandings,
      ratingSessionId: askRating ? sessionId : null, updatedAt: now,
    };
    if (context) Object.assign(context, values);
    else tx.create(AssistantContextSchema, { userId: viewer.userId, ...values });
    return tx.create(AssistantTurnSchema, {
      id: randomUUID(),
      userId: viewer.userId,
      sessionId,
      author: 'BOT',
      message: input.message,
      intent: understood.intent,
      confidence: understood.confidence,
      entities: understood.entities,
      language: lang,
      sentiment: understood.sentiment,
      reply: result.reply,
      quickActions: source.slotButtons === false ? result.quickActions.map(({ slot: _slot, ...rest }) => rest) : result.quickActions,
      outcome: result.outcome,
      handoffId,
      chatMessageId: source.chatMessageId ?? null,
      createdAt: now,
    });
  });
}

/** Decided by the rules even with an LLM: red flags, medical advice, asking for a human, complaints. */
const SAFETY_FIRST = ['EMERGENCY', 'MEDICAL_ADVICE', 'HUMAN', 'COMPLAINT'];

const rated = async (em: EntityManager, sessionId: string) =>
  (await em.getConnection().execute<unknown[]>(`select 1 from assistant_ratings where session_id = ?`, [sessionId])).length > 0;

/** The LLM's answer within its time limit, or null (timeout or failure: the rule-based engine answers). */
async function llmTurn(
  em: EntityManager,
  llm: LlmAssistant,
  input: Omit<LlmInput, 'history' | 'signal'> & { sessionId: string },
): Promise<LlmAnswer | null> {
  const turns = await em.find(AssistantTurnSchema, { sessionId: input.sessionId }, { orderBy: { createdAt: 'desc' }, limit: 5 });
  const history = turns.reverse().flatMap((t) => [
    ...(t.message ? [{ role: 'user' as const, text: t.message }] : []),
    ...(t.reply ? [{ role: 'assistant' as const, text: t.reply }] : []),
  ]);
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => {
      abort.abort();
      resolve(null);
    }, llm.timeoutMs);
  });
  try {
    return await Promise.race([llm.answer({ ...input, history, signal: abort.signal }).catch(() => null), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function fromLlm(answer: LlmAnswer, state: EngineOutput['state'], lang: Language, zone: string): EngineOutput {
  const base = { ...state, language: lang, misunderstandings: 0 };
  if (answer.proposal) {
    const asked = confirmation(answer.proposal, lang, zone);
    const reply = answer.reply ? `${answer.reply}\n${asked.reply}` : asked.reply;
    return { reply, quickActions: asked.quickActions, state: { ...base, flow: answer.proposal }, outcome: null, handoff: null };
  }
  return { reply: answer.reply, quickActions: [], state: { ...base, flow: null }, outcome: answer.cited ? 'ANSWERED' : null, handoff: null };
}

/** A new hand-off, or the open one of the session raised to the new priority (never two at once). */
async function openOrRaise(
  tx: EntityManager,
  open: Handoff | null,
  h: { userId: string; sessionId: string; language: string; priority: Handoff['priority']; reason: string; topic: string },
  now: Date,
): Promise<Handoff> {
  if (open) {
    const row = tx.merge(HandoffSchema, open);
    if (h.priority === 'URGENT' && row.priority !== 'URGENT') [row.priority, row.reason] = ['URGENT', h.reason];
    enqueueEvent(tx, HANDOFF_TOPIC, { handoffId: row.id, userId: row.userId, priority: row.priority });
    return row;
  }
  const row = tx.create(HandoffSchema, { id: randomUUID(), ...h, status: 'QUEUED', operatorId: null, createdAt: now, takenAt: null, returnedAt: null });
  enqueueEvent(tx, HANDOFF_TOPIC, { handoffId: row.id, userId: row.userId, priority: row.priority });
  return row;
}
