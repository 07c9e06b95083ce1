// One askAssistant turn: understand the message in the user's context, let the engine answer (unless an
// operator has taken over: then the assistant stays silent, except that a red flag always gets 112),
// and record the turn, the context and any hand-off in one transaction. The hand-off event carries ids only.
import { randomUUID } from 'node:crypto';
import { checkTimeZone, enqueueEvent, HANDOFF_REQUESTED_TOPIC, type UserViewer } from '@clinic/service-kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AssistantContextSchema, AssistantTurnSchema, HandoffSchema, type AssistantTurn, type Handoff } from '../entities/conversation.ts';
import { understand } from '../understanding/understand.ts';
import type { Language } from '../understanding/language.ts';
import { respond, type EngineOutput } from '../dialogue/engine.ts';
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

export interface AssistantClock {
  now: () => Date;
  changeDeadlineHours: number;
}

export async function askAssistant(em: EntityManager, viewer: UserViewer, input: AskInput, api: ClinicApi, clock: AssistantClock): Promise<AssistantTurn> {
  const sessionId = input.sessionId ?? randomUUID();
  if (input.sessionId) await checkSession(em, viewer, sessionId);
  const now = clock.now();
  const saved = await em.findOne(AssistantContextSchema, { userId: viewer.userId });
  const zone = input.timeZone ? checkTimeZone(input.timeZone) : (saved?.zone ?? DEFAULT_ZONE);
  const doctors = await api.doctors(now, new Date(now.getTime() + 30 * 86_400_000));
  const understood = understand({ text: input.message, now, zone, doctors, language: (saved?.language as Language | undefined) ?? undefined });
  const openHandoff = await em.findOne(HandoffSchema, { sessionId, status: { $in: ['QUEUED', 'ACTIVE'] } }, { orderBy: { createdAt: 'desc' } });

  let result: Omit<EngineOutput, 'reply'> & { reply: string | null };
  const state = {
    language: understood.language,
    zone,
    flow: saved?.flow ?? null,
    lastDoctorId: saved?.lastDoctorId ?? null,
    misunderstandings: saved?.misunderstandings ?? 0,
  };
  if (openHandoff?.status === 'ACTIVE') {
    const urgent = understood.intent === 'EMERGENCY';
    result = {
      reply: urgent ? say(understood.language, 'emergency') : null,
      quickActions: [],
      state,
      outcome: urgent ? 'HANDED_OFF' : 'OPERATOR_ACTIVE',
      handoff: urgent ? { priority: 'URGENT', reason: 'RED_FLAG', topic: 'EMERGENCY' } : null,
    };
  } else {
    const knowledge = async (text: string, language: Language) => (await searchArticles(em, text, language, 1))[0]?.article ?? null;
    result = await respond({ message: input.message, understood, state, api, now, changeDeadlineHours: clock.changeDeadlineHours, knowledge });
  }

  return em.transactional(async (tx) => {
    let handoffId: string | null = null;
    if (result.handoff) {
      const handoff = await openOrRaise(tx, openHandoff, { userId: viewer.userId, sessionId, language: understood.language, ...result.handoff }, now);
      handoffId = handoff.id;
    }
    const context = saved ? tx.merge(AssistantContextSchema, saved) : null;
    const values = { language: result.state.language, zone, flow: result.state.flow, lastDoctorId: result.state.lastDoctorId, misunderstandings: result.state.misunderstandings, updatedAt: now };
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
      language: understood.language,
      sentiment: understood.sentiment,
      reply: result.reply,
      quickActions: result.quickActions,
      outcome: result.outcome,
      handoffId,
      createdAt: now,
    });
  });
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
