// Receipts and typing. Each participant has two cursors, delivered and read up to a sequence number, that
// only move forward; a message's status for a recipient follows from them (READ ≥ DELIVERED ≥ SENT), so a
// read receipt costs one row update however many messages it covers. Typing is never stored: it goes
// straight to pub/sub, at most once per throttle period per user and conversation.
import type { EntityManager } from '@mikro-orm/postgresql';
import { publishLive, traceOfEntityManager } from '@clinic/service-kit';
import type { Actor } from '../actor.ts';
import type { ChatServices } from '../services.ts';
import type { ConversationView, ParticipantView } from '../entities/rows.ts';
import { participantIds, requireParticipant } from '../conversations/access.ts';
import { announceConversation, receiptTrigger, typingTrigger, type ReceiptPayload, type TypingPayload } from '../realtime/triggers.ts';
import { idAtSeq, seqOf } from './read-messages.ts';

export type ReceiptStatus = 'SENT' | 'DELIVERED' | 'READ';

export const statusFor = (seq: number, p: Pick<ParticipantView, 'deliveredSeq' | 'readSeq'>): ReceiptStatus =>
  p.readSeq >= seq ? 'READ' : p.deliveredSeq >= seq ? 'DELIVERED' : 'SENT';

export async function markReceived(
  em: EntityManager,
  services: ChatServices,
  actor: Actor,
  conversationId: string,
  upToMessageId: string,
  read: boolean,
): Promise<ConversationView> {
  const conv = await requireParticipant(em, actor, conversationId);
  if (!conv.membership) return conv;
  const seq = await seqOf(em, conv.id, upToMessageId);
  const rows = await em.execute<{ delivered_seq: string; read_seq: string }[]>(
    `update participants set delivered_seq = greatest(delivered_seq, ?), read_seq = case when ? then greatest(read_seq, ?) else read_seq end
     where conversation_id = ? and user_id = ? returning delivered_seq, read_seq`,
    [seq, read, seq, conv.id, actor.user.userId],
  );
  const state = rows[0]!;
  const payload: ReceiptPayload = {
    conversationId: conv.id,
    userId: actor.user.userId,
    deliveredUpTo: await idAtSeq(em, conv.id, Number(state.delivered_seq)),
    readUpTo: await idAtSeq(em, conv.id, Number(state.read_seq)),
  };
  await publishLive(services.pubsub, receiptTrigger(conv.id), payload, traceOfEntityManager(em));
  if (read) await announceConversation(services.pubsub, conv.id, await participantIds(em, conv.id), traceOfEntityManager(em));
  return { ...conv, membership: { ...conv.membership, readSeq: Number(state.read_seq) } };
}

/** Returns false when throttled (nothing sent). */
export async function sendTyping(em: EntityManager, services: ChatServices, actor: Actor, conversationId: string): Promise<boolean> {
  const conv = await requireParticipant(em, actor, conversationId);
  const key = `${actor.user.userId}:${conv.id}`;
  const now = services.now().getTime();
  const last = services.typingSeen.get(key);
  if (last !== undefined && now - last < services.settings.typingThrottleMs) return false;
  if (services.typingSeen.size > 50_000) services.typingSeen.clear();
  services.typingSeen.set(key, now);
  const payload: TypingPayload = { conversationId: conv.id, userId: actor.user.userId, at: new Date(now).toISOString() };
  await publishLive(services.pubsub, typingTrigger(conv.id), payload, traceOfEntityManager(em));
  return true;
}
