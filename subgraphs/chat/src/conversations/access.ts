// The one access rule of chat: only current participants read, write or listen. Staff (operators,
// administrators) may open a conversation they are not in only by asking for it explicitly, and every such
// opening is audited; desk conversations are the desk's to answer.
import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput, forbidden, notFound, recordAuditNow } from '@clinic/service-kit';
import { auditActor, isDesk, isUuid, type Actor } from '../actor.ts';
import { toConversation, type ConversationRow, type ConversationView, type ParticipantRow } from '../entities/rows.ts';

export async function findConversation(em: EntityManager, id: string): Promise<ConversationRow | null> {
  if (!isUuid(id)) throw badUserInput('conversation id must be a UUID');
  const rows = await em.execute<ConversationRow[]>(`select * from conversations where id = ?`, [id]);
  return rows[0] ?? null;
}

export async function membershipOf(em: EntityManager, conversationId: string, userId: string): Promise<ParticipantRow | null> {
  const rows = await em.execute<ParticipantRow[]>(
    `select * from participants where conversation_id = ? and user_id = ? and left_at is null`,
    [conversationId, userId],
  );
  return rows[0] ?? null;
}

/** The conversation as a participant sees it; FORBIDDEN (never a hint of what is inside) otherwise. */
export async function requireParticipant(em: EntityManager, actor: Actor, id: string): Promise<ConversationView> {
  const row = await findConversation(em, id);
  const member = row && (await membershipOf(em, row.id, actor.user.userId));
  if (row && member) return toConversation(row, member);
  if (row && row.kind === 'DESK' && isDesk(actor.user)) return toConversation(row, null);
  throw forbidden('You are not a participant of this conversation');
}

/** Staff opening a conversation they are not in: allowed for operators and administrators, always audited. */
export async function openAsStaff(em: EntityManager, actor: Actor, id: string): Promise<ConversationView> {
  const row = await findConversation(em, id);
  const allowed = isDesk(actor.user);
  await recordAuditNow(em, auditActor(actor), {
    action: 'conversation.staff_access',
    resourceType: 'Conversation',
    resourceId: id,
    subjectUserId: null,
    outcome: allowed && row ? 'SUCCESS' : 'DENIED',
  });
  if (!allowed) throw forbidden('Only operators and administrators may open a conversation they are not in');
  if (!row) throw notFound('Conversation');
  const member = await membershipOf(em, row.id, actor.user.userId);
  return toConversation(row, member);
}

/** Current participants' user ids (for announcing changes). */
export async function participantIds(em: EntityManager, conversationId: string): Promise<string[]> {
  const rows = await em.execute<{ user_id: string }[]>(`select user_id from participants where conversation_id = ? and left_at is null`, [conversationId]);
  return rows.map((r) => r.user_id);
}
