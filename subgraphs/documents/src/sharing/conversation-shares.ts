// Documents attached to chat messages. Chat asks here, with the sender's own token, before it stores a
// message with attachments: the sender must be able to read every document (the same `readable` rule as
// every other path), and then each is shared in the conversation, which lets the conversation's current
// members read it. Members come from chat, as a full list with a version (on every send and through
// `chat.members_changed` events): the highest version wins, so a removed member loses access as soon as
// the event lands, and a stale list never brings them back.
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { consumeQueue, tracedFork, CONVERSATION_MEMBERS_TOPIC, DomainError, forbidden, recordAudit, type ConversationMembersPayload, type Logger, type QueueConsumer } from '@clinic/service-kit';
import { DocumentSchema } from '../entities/document.ts';
import { readable } from '../library/access.ts';
import type { DocumentsSettings } from '../settings.ts';
import { auditActor, type Actor } from '../actor.ts';

const members = z.object({
  conversationId: z.string().uuid(),
  memberIds: z.array(z.string().uuid()).max(500),
  membersVersion: z.number().int().min(0),
});
export const shareRequest = members.extend({ documentIds: z.array(z.string().uuid()).min(1).max(10) });

const uuidArray = (ids: string[]) => `{${ids.join(',')}}`;

/** Keeps the newest member list of a conversation (an older or equal version changes nothing). */
export async function recordMembers(em: EntityManager, p: ConversationMembersPayload): Promise<void> {
  await em.execute(
    `insert into conversation_members (conversation_id, member_ids, members_version) values (?, ?::uuid[], ?)
     on conflict (conversation_id) do update set member_ids = excluded.member_ids, members_version = excluded.members_version
     where conversation_members.members_version < excluded.members_version`,
    [p.conversationId, uuidArray([...new Set(p.memberIds)]), p.membersVersion],
  );
}

/** Refuses unless the sender may read every document; then shares them all in the conversation. */
export async function shareInConversation(em: EntityManager, actor: Actor, settings: DocumentsSettings, request: z.infer<typeof shareRequest>): Promise<void> {
  const ids = [...new Set(request.documentIds)];
  if (actor.viewer.kind !== 'user') throw forbidden('Only a signed-in sender shares documents');
  const sharedBy = actor.viewer.userId;
  const docs = await em.find(DocumentSchema, { id: { $in: ids } });
  const visible = await readable(em, actor.viewer, docs);
  const refused = ids.filter((id) => !visible.some((d) => d.id === id));
  if (refused.length) {
    const audit = em.fork();
    for (const id of refused) {
      recordAudit(audit, auditActor(actor), {
        action: 'document.share_in_conversation', resourceType: 'Document', resourceId: id, subjectUserId: docs.find((d) => d.id === id)?.ownerId ?? null, outcome: 'DENIED',
        detail: { conversationId: request.conversationId },
      });
    }
    await audit.flush();
    throw new DomainError('FORBIDDEN', 'You may attach only documents you can read', { documentIds: refused });
  }
  await em.transactional(async (tx) => {
    await recordMembers(tx, request);
    await tx.execute(
      `insert into conversation_shares (document_id, conversation_id, shared_by, created_at)
       select unnest(?::uuid[]), ?, ?, ? on conflict do nothing`,
      [uuidArray(ids), request.conversationId, sharedBy, settings.now()],
    );
    for (const doc of visible) {
      recordAudit(tx, auditActor(actor), {
        action: 'document.share_in_conversation', resourceType: 'Document', resourceId: doc.id, subjectUserId: doc.ownerId, outcome: 'SUCCESS',
        detail: { conversationId: request.conversationId },
      });
    }
  });
}

export function startConversationMembersWorker(orm: MikroORM, redisUrl: string | null, logger: Logger, queue: string): QueueConsumer {
  return consumeQueue(queue, redisUrl, async (job, trace) => {
    if (job.topic !== CONVERSATION_MEMBERS_TOPIC) return;
    const parsed = members.safeParse(job.payload);
    if (!parsed.success) return void logger.warn({ eventId: job.eventId }, 'ignoring a malformed conversation members event');
    await recordMembers(tracedFork(orm, trace), parsed.data);
  }, logger);
}
