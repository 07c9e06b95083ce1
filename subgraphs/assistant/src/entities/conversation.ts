// What the assistant keeps: each user's context across sessions (language, zone, the doctor talked about,
// the booking in progress), every turn with what was understood, and hand-offs to a human operator.
import { EntitySchema } from '@mikro-orm/postgresql';
import type { Entity } from '../understanding/understand.ts';
import type { Flow } from '../dialogue/flow.ts';

export interface AssistantContext {
  userId: string;
  language: string;
  zone: string;
  flow: Flow | null;
  lastDoctorId: string | null;
  misunderstandings: number;
  /** The conversation whose satisfaction rating was just asked for (the next message may be the rating). */
  ratingSessionId: string | null;
  updatedAt: Date;
}

export interface QuickAction {
  label: string;
  message: string;
  /** A recommended slot: in chat it becomes a BOOK_SLOT button the patient's own client books. */
  slot?: { doctorId: string; startsAt: string; consultationType: string | null };
}

export type TurnAuthor = 'BOT' | 'OPERATOR';

export interface AssistantTurn {
  id: string;
  userId: string;
  sessionId: string;
  author: TurnAuthor;
  message: string | null;
  intent: string | null;
  confidence: number | null;
  entities: Entity[];
  language: string;
  sentiment: string | null;
  reply: string | null;
  quickActions: QuickAction[];
  /** What the turn did: BOOKED, RESCHEDULED, CANCELLED, HANDED_OFF, FALLBACK… (analytics). */
  outcome: string | null;
  /** The hand-off this turn opened or raised. */
  handoffId: string | null;
  /** The chat message this turn answered (turns from chat). */
  chatMessageId: string | null;
  createdAt: Date;
}

export type HandoffStatus = 'QUEUED' | 'ACTIVE' | 'RETURNED';
export type HandoffPriority = 'NORMAL' | 'URGENT';

export interface Handoff {
  id: string;
  userId: string;
  sessionId: string;
  priority: HandoffPriority;
  reason: string;
  topic: string;
  language: string;
  status: HandoffStatus;
  operatorId: string | null;
  createdAt: Date;
  takenAt: Date | null;
  returnedAt: Date | null;
}

export const AssistantContextSchema = new EntitySchema<AssistantContext>({
  name: 'AssistantContext',
  tableName: 'assistant_contexts',
  properties: {
    userId: { type: 'uuid', primary: true, fieldName: 'user_id' },
    language: { type: 'string' },
    zone: { type: 'string' },
    flow: { type: 'json', nullable: true },
    lastDoctorId: { type: 'uuid', fieldName: 'last_doctor_id', nullable: true },
    misunderstandings: { type: 'integer' },
    ratingSessionId: { type: 'uuid', fieldName: 'rating_session_id', nullable: true },
    updatedAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'updated_at' },
  },
});

export const AssistantTurnSchema = new EntitySchema<AssistantTurn>({
  name: 'AssistantTurn',
  tableName: 'assistant_turns',
  properties: {
    id: { type: 'uuid', primary: true },
    userId: { type: 'uuid', fieldName: 'user_id' },
    sessionId: { type: 'uuid', fieldName: 'session_id' },
    author: { type: 'string' },
    message: { type: 'text', nullable: true },
    intent: { type: 'string', nullable: true },
    confidence: { type: 'double', nullable: true },
    entities: { type: 'json' },
    language: { type: 'string' },
    sentiment: { type: 'string', nullable: true },
    reply: { type: 'text', nullable: true },
    quickActions: { type: 'json', fieldName: 'quick_actions' },
    outcome: { type: 'string', nullable: true },
    handoffId: { type: 'uuid', fieldName: 'handoff_id', nullable: true },
    chatMessageId: { type: 'uuid', fieldName: 'chat_message_id', nullable: true },
    createdAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'created_at' },
  },
});

export const HandoffSchema = new EntitySchema<Handoff>({
  name: 'Handoff',
  tableName: 'assistant_handoffs',
  properties: {
    id: { type: 'uuid', primary: true },
    userId: { type: 'uuid', fieldName: 'user_id' },
    sessionId: { type: 'uuid', fieldName: 'session_id' },
    priority: { type: 'string' },
    reason: { type: 'string' },
    topic: { type: 'string' },
    language: { type: 'string' },
    status: { type: 'string' },
    operatorId: { type: 'uuid', fieldName: 'operator_id', nullable: true },
    createdAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'created_at' },
    takenAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'taken_at', nullable: true },
    returnedAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'returned_at', nullable: true },
  },
});
