// Opening conversations and the rule of who may start one with whom: a patient writes to doctors they have
// or had an appointment with (learned from appointments' events) and to the clinic's desk; staff write to
// anyone and open groups. A free-standing direct conversation is one per pair; an appointment's is one per
// appointment. Both are idempotent: asking again returns the one that exists.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ASSISTANT_PARTICIPANT_ID, badUserInput, forbidden, notFound, requireActiveUsers, traceOfEntityManager } from '@clinic/service-kit';
import { z } from 'zod';
import { isDesk, isStaff, isUuid, type Actor } from '../actor.ts';
import type { ChatServices } from '../services.ts';
import { toConversation, type ConversationKind, type ConversationRow, type ConversationView, type ParticipantRole } from '../entities/rows.ts';
import { announceConversation } from '../realtime/triggers.ts';
import { people } from '../assistant/assistant-participant.ts';

const startInput = z.object({
  participantIds: z.array(z.string().refine(isUuid, 'participant ids must be UUIDs')).max(50).default([]),
  kind: z.enum(['DIRECT', 'GROUP', 'DESK']).default('DIRECT'),
  appointmentId: z.string().refine(isUuid, 'appointmentId must be a UUID').nullish(),
  category: z.string().min(1).max(40).nullish(),
  tags: z.array(z.string().min(1).max(40)).max(10).nullish(),
});
export type StartInput = z.input<typeof startInput>;

export interface KnownAppointment {
  appointment_id: string;
  patient_id: string;
  doctor_id: string;
  status: string;
}

export async function knownAppointment(em: EntityManager, appointmentId: string): Promise<KnownAppointment | null> {
  const rows = await em.execute<KnownAppointment[]>(`select * from known_appointments where appointment_id = ?`, [appointmentId]);
  return rows[0] ?? null;
}

async function hasCareRelation(em: EntityManager, patientId: string, doctorId: string): Promise<boolean> {
  const rows = await em.execute(`select 1 from known_appointments where patient_id = ? and doctor_id = ? limit 1`, [patientId, doctorId]);
  return rows.length > 0;
}

/**
 * Refuses ids that are not active accounts (identity's answer), before anything is stored: a made-up or mistyped
 * id would otherwise become a member no one can resolve, and every list showing that member would fail.
 */
export async function requireAccounts(services: ChatServices, ids: string[]): Promise<void> {
  // The assistant takes part without an account.
  await requireActiveUsers(services.accounts, people(ids));
}

interface NewConversation {
  kind: ConversationKind;
  appointmentId?: string | null;
  pairKey?: string | null;
  category?: string | null;
  tags?: string[] | null;
  createdBy: string | null;
  members: { userId: string; role: ParticipantRole }[];
}

/** Inserts a conversation, or returns the existing one of the same appointment/pair. */
export async function createConversation(em: EntityManager, services: ChatServices, spec: NewConversation): Promise<{ row: ConversationRow; created: boolean }> {
  return em.transactional(async (tx) => {
    const inserted = await tx.execute<ConversationRow[]>(
      `insert into conversations (id, kind, appointment_id, pair_key, category, tags, wrapped_key, created_by, created_at, last_activity_at)
       values (?, ?, ?, ?, ?, ?::text[], ?, ?, ?, ?)
       on conflict do nothing returning *`,
      [
        randomUUID(), spec.kind, spec.appointmentId ?? null, spec.pairKey ?? null, spec.category ?? null,
        `{${(spec.tags ?? []).map((t) => JSON.stringify(t)).join(',')}}`,
        services.keys.newWrappedKey(), spec.createdBy, services.now(), services.now(),
      ],
    );
    if (inserted[0]) {
      for (const m of spec.members) {
        await tx.execute(`insert into participants (conversation_id, user_id, role, joined_at) values (?, ?, ?, ?) on conflict do nothing`, [
          inserted[0].id, m.userId, m.role, services.now(),
        ]);
      }
      return { row: inserted[0], created: true };
    }
    const existing = spec.appointmentId
      ? await tx.execute<ConversationRow[]>(`select * from conversations where appointment_id = ?`, [spec.appointmentId])
      : await tx.execute<ConversationRow[]>(`select * from conversations where pair_key = ? and appointment_id is null`, [spec.pairKey]);
    if (!existing[0]) throw new Error('conversation insert conflicted but none exists');
    return { row: existing[0], created: false };
  });
}

async function viewFor(em: EntityManager, row: ConversationRow, userId: string): Promise<ConversationView> {
  const p = await em.execute<{ role: ParticipantRole; archived: boolean; read_seq: string }[]>(
    `select role, archived, read_seq from participants where conversation_id = ? and user_id = ? and left_at is null`,
    [row.id, userId],
  );
  if (!p[0]) throw forbidden('You are not a participant of this conversation');
  return toConversation(row, p[0]);
}

/** The conversation of an appointment between its patient and doctor (by either of them or staff, or by the event consumer). */
export async function openAppointmentConversation(em: EntityManager, services: ChatServices, appointmentId: string, by: Actor | null) {
  if (!isUuid(appointmentId)) throw badUserInput('appointmentId must be a UUID');
  const appt = await knownAppointment(em, appointmentId);
  if (!appt) throw notFound('Appointment');
  if (by && !isDesk(by.user) && by.user.userId !== appt.patient_id && by.user.userId !== appt.doctor_id) throw forbidden('Not your appointment');
  const result = await createConversation(em, services, {
    kind: 'DIRECT',
    appointmentId,
    createdBy: by?.user.userId ?? null,
    members: [
      { userId: appt.patient_id, role: 'MEMBER' },
      { userId: appt.doctor_id, role: 'OWNER' },
    ],
  });
  if (result.created) await announceConversation(services.pubsub, result.row.id, [appt.patient_id, appt.doctor_id], traceOfEntityManager(em));
  return result;
}

export async function startConversation(em: EntityManager, services: ChatServices, actor: Actor, raw: StartInput): Promise<ConversationView> {
  const parsed = startInput.safeParse(raw);
  if (!parsed.success) throw badUserInput(parsed.error.issues[0]!.message);
  const input = parsed.data;
  const me = actor.user.userId;
  const others = [...new Set(input.participantIds.filter((id) => id !== me))];

  if (input.appointmentId) {
    const { row } = await openAppointmentConversation(em, services, input.appointmentId, actor);
    return viewFor(em, row, me);
  }
  let spec: NewConversation;
  if (input.kind === 'DESK') {
    if (others.length) throw badUserInput('A desk conversation has no other participants: the desk answers');
    const assistant = services.settings.deskAssistant ? [{ userId: ASSISTANT_PARTICIPANT_ID, role: 'MEMBER' as const }] : [];
    spec = { kind: 'DESK', pairKey: `desk:${me}`, createdBy: me, members: [{ userId: me, role: 'MEMBER' }, ...assistant] };
  } else if (input.kind === 'GROUP') {
    if (!isStaff(actor.user)) throw forbidden('Only staff open group conversations');
    if (!others.length) throw badUserInput('A group needs at least one other participant');
    await requireAccounts(services, others);
    spec = {
      kind: 'GROUP', category: input.category, tags: input.tags, createdBy: me,
      members: [{ userId: me, role: 'OWNER' }, ...others.map((userId) => ({ userId, role: 'MEMBER' as const }))],
    };
  } else {
    if (others.length !== 1) throw badUserInput('A direct conversation has exactly one other participant');
    const other = others[0]!;
    if (!isStaff(actor.user)) {
      if (!services.settings.freeStanding) throw forbidden('The clinic allows conversations only about an appointment');
      if (!(await hasCareRelation(em, me, other))) throw forbidden('Patients may write to doctors they have or had an appointment with, or to the desk');
    }
    await requireAccounts(services, [other]);
    spec = {
      kind: 'DIRECT', pairKey: [me, other].sort().join(':'), category: input.category, tags: input.tags, createdBy: me,
      members: [{ userId: me, role: 'MEMBER' }, { userId: other, role: 'MEMBER' }],
    };
  }
  const { row, created } = await createConversation(em, services, spec);
  if (created) await announceConversation(services.pubsub, row.id, people(spec.members.map((m) => m.userId)), traceOfEntityManager(em));
  return viewFor(em, row, me);
}
