// The one access rule of chat: only current participants read, write or listen. Staff (operators,
// administrators) may open a conversation they are not in only by asking for it explicitly, and every such
// opening is audited; desk conversations are the desk's to answer.
import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput, executePrepared, forbidden, notFound, recordAuditNow } from '@clinic/service-kit';
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
  return asParticipant(actor, row, member);
}

/** The one decision: a current member, or the desk in a desk conversation. */
function asParticipant(actor: Actor, row: ConversationRow | null, member: Pick<ParticipantRow, 'role' | 'archived' | 'read_seq'> | null): ConversationView {
  if (row && member) return toConversation(row, member);
  if (row && row.kind === 'DESK' && isDesk(actor.user)) return toConversation(row, null);
  throw forbidden('You are not a participant of this conversation');
}

/** May this user see this conversation's events now? The same rule as requireParticipant, on loaded members. */
export function mayListen(actor: Actor, kind: ConversationRow['kind'], memberIds: readonly string[]): boolean {
  return memberIds.includes(actor.user.userId) || (kind === 'DESK' && isDesk(actor.user));
}

export interface SendContext {
  conversation: ConversationView;
  /** Current participants' user ids. */
  memberIds: string[];
  /** The message this sender already stored under this client message id (a retried send), if any. */
  retriedId: string | null;
}

/**
 * Everything a send needs to know before writing, in one statement: the conversation, the sender's membership
 * (checked as requireParticipant does), the current members (the list kept on the conversation's row), and
 * whether this client message id was stored.
 */
export async function sendContext(em: EntityManager, actor: Actor, id: string, clientMessageId: string): Promise<SendContext> {
  if (!isUuid(id)) throw badUserInput('conversation id must be a UUID');
  const me = actor.user.userId;
  // Every send runs it: prepared (parsed and planned once per connection).
  const rows = await executePrepared<ConversationRow & { role: ParticipantRow['role'] | null; archived: boolean; read_seq: string; member_ids: string[]; retried_id: string | null }>(
    em,
    `select c.*, p.role, p.archived, p.read_seq,
       c.member_ids::text[] as member_ids,
       (select id from messages r where r.conversation_id = c.id and r.sender_id = ? and r.client_message_id = ?) as retried_id
     from conversations c left join participants p on p.conversation_id = c.id and p.user_id = ? and p.left_at is null
     where c.id = ?`,
    [me, clientMessageId, me, id],
  );
  const row = rows[0] ?? null;
  const conversation = asParticipant(actor, row, row?.role ? { role: row.role, archived: row.archived, read_seq: row.read_seq } : null);
  return { conversation, memberIds: row!.member_ids, retriedId: row!.retried_id };
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
