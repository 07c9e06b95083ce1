// Every change of a conversation's members bumps its members version and tells documents the new list
// (outbox, same transaction; keyed by conversation), so documents attached there stay readable by
// exactly the current members: someone removed loses them, someone added gains them.
import type { EntityManager } from '@mikro-orm/postgresql';
import { CONVERSATION_MEMBERS_TOPIC, enqueueEvent, type ConversationMembersPayload } from '@clinic/service-kit';

/** The conversation's current members and their version (as one consistent read). */
export async function currentMembers(em: EntityManager, conversationId: string): Promise<ConversationMembersPayload> {
  const rows = await em.execute<{ members_version: string; member_ids: string[] | null }[]>(
    `select c.members_version, array_remove(array_agg(p.user_id), null) as member_ids
     from conversations c left join participants p on p.conversation_id = c.id and p.left_at is null
     where c.id = ? group by c.id`,
    [conversationId],
  );
  return { conversationId, memberIds: rows[0]?.member_ids ?? [], membersVersion: Number(rows[0]?.members_version ?? 0) };
}

/** Inside the transaction that changed the members. */
export async function membersChanged(tx: EntityManager, conversationId: string): Promise<void> {
  await tx.execute(`update conversations set members_version = members_version + 1 where id = ?`, [conversationId]);
  const payload = await currentMembers(tx, conversationId);
  enqueueEvent(tx, CONVERSATION_MEMBERS_TOPIC, { ...payload }, { aggregateKey: conversationId });
}
