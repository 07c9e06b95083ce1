// The operator side of a hand-off: the queue (urgent first, then oldest; by language and topic), taking
// over (the assistant stays silent in that session), answering, handing back to the assistant, and raising
// hand-offs nobody picked up in time.
import { randomUUID } from 'node:crypto';
import { conflict, enqueueEvent, HANDOFF_ESCALATED_TOPIC, notFound, type UserViewer } from '@clinic/service-kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AssistantTurnSchema, HandoffSchema, type AssistantTurn, type Handoff } from '../entities/conversation.ts';

export { HANDOFF_ESCALATED_TOPIC };

export async function handoffQueue(em: EntityManager, filter: { language?: string | null; topic?: string | null }): Promise<Handoff[]> {
  const rows = await em.find(
    HandoffSchema,
    { status: { $in: ['QUEUED', 'ACTIVE'] }, ...(filter.language ? { language: filter.language } : {}), ...(filter.topic ? { topic: filter.topic } : {}) },
    { orderBy: { createdAt: 'asc' }, limit: 200 },
  );
  return rows.sort((a, b) => (a.priority === b.priority ? 0 : a.priority === 'URGENT' ? -1 : 1));
}

async function load(em: EntityManager, id: string): Promise<Handoff> {
  const row = await em.findOne(HandoffSchema, { id });
  if (!row) throw notFound('Hand-off');
  return row;
}

export async function takeOver(em: EntityManager, operator: UserViewer, id: string, now: Date): Promise<Handoff> {
  const row = await load(em, id);
  if (row.status === 'RETURNED') throw conflict('This hand-off was already handed back');
  if (row.status === 'ACTIVE' && row.operatorId !== operator.userId) throw conflict('Another operator has taken over this conversation');
  Object.assign(row, { status: 'ACTIVE', operatorId: operator.userId, takenAt: row.takenAt ?? now });
  await em.flush();
  return row;
}

export async function operatorReply(em: EntityManager, operator: UserViewer, id: string, message: string, now: Date): Promise<AssistantTurn> {
  const row = await load(em, id);
  if (row.status !== 'ACTIVE' || row.operatorId !== operator.userId) throw conflict('Take over the conversation before answering');
  const turn = em.create(AssistantTurnSchema, {
    id: randomUUID(),
    userId: row.userId,
    sessionId: row.sessionId,
    author: 'OPERATOR',
    message: null,
    intent: null,
    confidence: null,
    entities: [],
    language: row.language,
    sentiment: null,
    reply: message,
    quickActions: [],
    outcome: null,
    handoffId: row.id,
    createdAt: now,
  });
  await em.flush();
  return turn;
}

export async function handBack(em: EntityManager, operator: UserViewer, id: string, now: Date): Promise<Handoff> {
  const row = await load(em, id);
  if (row.status === 'RETURNED') return row;
  if (row.status === 'ACTIVE' && row.operatorId !== operator.userId) throw conflict('Another operator has taken over this conversation');
  Object.assign(row, { status: 'RETURNED', returnedAt: now, operatorId: row.operatorId ?? operator.userId });
  await em.flush();
  return row;
}

/** Hand-offs still QUEUED after the escalation time become URGENT and staff are notified again (ids only). */
export async function escalateWaiting(em: EntityManager, now: Date, escalationMinutes: number): Promise<number> {
  return em.transactional(async (tx) => {
    const waiting = await tx.find(
      HandoffSchema,
      { status: 'QUEUED', priority: 'NORMAL', createdAt: { $lte: new Date(now.getTime() - escalationMinutes * 60_000) } },
      { limit: 500 },
    );
    for (const row of waiting) {
      row.priority = 'URGENT';
      enqueueEvent(tx, HANDOFF_ESCALATED_TOPIC, { handoffId: row.id, userId: row.userId, priority: row.priority });
    }
    return waiting.length;
  });
}
