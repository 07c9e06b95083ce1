// Group membership and per-participant state: owners (or the desk) add and remove people; a removed
// participant's live subscriptions stop delivering at once (every event is checked against current
// membership) and they lose access, to the documents attached in the conversation too (documents is told). Archive/unarchive is each participant's own.
import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput, forbidden, recordAudit, traceOfEntityManager } from '@clinic/service-kit';
import { auditActor, isDesk, isUuid, type Actor } from '../actor.ts';
import type { ChatServices } from '../services.ts';
import type { ConversationView, ParticipantRole } from '../entities/rows.ts';
import { participantIds, requireParticipant } from './access.ts';
import { announceConversation } from '../realtime/triggers.ts';
import { membersChanged } from '../attachments/members.ts';
import { requireAccounts } from './start-conversation.ts';

async function requireManager(em: EntityManager, actor: Actor, conversationId: string): Promise<ConversationView> {
  const conv = await requireParticipant(em, actor, conversationId);
  if (conv.kind !== 'GROUP') throw badUserInput('Only group conversations change participants');
  if (conv.membership?.role !== 'OWNER' && !isDesk(actor.user)) throw forbidden('Only the group owner adds or removes participants');
  return conv;
}

export async function addParticipant(em: EntityManager, services: ChatServices, actor: Actor, conversationId: string, userId: string, role: ParticipantRole) {
  if (!isUuid(userId)) throw badUserInput('userId must be a UUID');
  const conv = await requireManager(em, actor, conversationId);
  await requireAccounts(services, [userId]);
  await em.transactional(async (tx) => {
    await tx.execute(
      `insert into participants (conversation_id, user_id, role, joined_at) values (?, ?, ?, ?)
       on conflict (conversation_id, user_id) do update set role = excluded.role, left_at = null, joined_at = excluded.joined_at`,
      [conv.id, userId, role, services.now()],
    );
    await membersChanged(tx, conv.id);
    recordAudit(tx, auditActor(actor), {
      action: 'conversation.participant_added', resourceType: 'Conversation', resourceId: conv.id, subjectUserId: userId, outcome: 'SUCCESS',
    });
  });
  await announceConversation(services.pubsub, conv.id, await participantIds(em, conv.id), traceOfEntityManager(em));
  return conv;
}

export async function removeParticipant(em: EntityManager, services: ChatServices, actor: Actor, conversationId: string, userId: string) {
  if (!isUuid(userId)) throw badUserInput('userId must be a UUID');
  const conv = await requireManager(em, actor, conversationId);
  if (userId === actor.user.userId && conv.membership?.role === 'OWNER') throw badUserInput('An owner cannot remove themselves');
  const before = await participantIds(em, conv.id);
  await em.transactional(async (tx) => {
    // The conversation's row first, as a send takes it (then its sender's participant row): removing someone
    // who is sending at that moment then waits for the send instead of deadlocking with it.
    await tx.execute(`select 1 from conversations where id = ? for no key update`, [conv.id]);
    await tx.execute(`update participants set left_at = ? where conversation_id = ? and user_id = ? and left_at is null`, [services.now(), conv.id, userId]);
    await membersChanged(tx, conv.id);
    recordAudit(tx, auditActor(actor), {
      action: 'conversation.participant_removed', resourceType: 'Conversation', resourceId: conv.id, subjectUserId: userId, outcome: 'SUCCESS',
    });
  });
  await announceConversation(services.pubsub, conv.id, before, traceOfEntityManager(em));
  return conv;
}

export async function archiveConversation(em: EntityManager, services: ChatServices, actor: Actor, conversationId: string, archived: boolean) {
  const conv = await requireParticipant(em, actor, conversationId);
  if (!conv.membership) throw forbidden('You are not a participant of this conversation');
  await em.execute(`update participants set archived = ? where conversation_id = ? and user_id = ?`, [archived, conv.id, actor.user.userId]);
  await announceConversation(services.pubsub, conv.id, [actor.user.userId], traceOfEntityManager(em));
  return { ...conv, membership: { ...conv.membership, archived } };
}
