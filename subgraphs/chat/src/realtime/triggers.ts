// Live events on the kit's pub/sub (Redis, so any router and any chat replica serve any subscriber).
// Payloads carry ids, and a new message's event what the send stored (ciphertext only, never the words) with
// who may see it; each subscriber's resolver checks what it may see.
import type { PubSubEngine } from 'graphql-subscriptions';
import { publishLive, type TraceContext } from '@clinic/service-kit';
import type { ConversationKind, QuickAction, StoredAttachment } from '../entities/rows.ts';

export const messageTrigger = (conversationId: string) => `chat.messages.${conversationId}`;
export const typingTrigger = (conversationId: string) => `chat.typing.${conversationId}`;
export const receiptTrigger = (conversationId: string) => `chat.receipts.${conversationId}`;
export const userTrigger = (userId: string) => `chat.user.${userId}`;

export interface MessageEvent {
  conversationId: string;
  messageId: string;
  /** The stored message and its audience, from the send (absent: each replica reads them, see message-events.ts). */
  stored?: StoredMessageEvent;
}

/**
 * A message as the send stored it, with the conversation's kind and members read under the conversation's row
 * lock in the same statement (so a removal committed before the message is in this list). Encrypted fields
 * only: Redis never sees message text or attachment names.
 */
export interface StoredMessageEvent {
  conversationKind: ConversationKind;
  memberIds: string[];
  seq: number;
  kind: 'TEXT' | 'SYSTEM';
  senderId: string | null;
  clientMessageId: string | null;
  bodyEnc: string | null;
  attachments: StoredAttachment[];
  actions: QuickAction[];
  createdAt: string;
}
export interface TypingPayload {
  conversationId: string;
  userId: string;
  at: string;
}
export interface ReceiptPayload {
  conversationId: string;
  userId: string;
  deliveredUpTo: string | null;
  readUpTo: string | null;
}
export interface ConversationEvent {
  conversationId: string;
}

/**
 * After commit: tells subscribers of the conversation and every participant's conversation list. Best effort
 * (the kit's publishLive): with Redis away the stored message is still the answer, and subscribers read what
 * they missed by cursor. `trace`: the request's or job's trace context (traceOfEntityManager), so a sampled
 * one shows each publish as a span.
 */
export async function announceMessage(pubsub: PubSubEngine, event: MessageEvent, participantIds: string[], trace?: TraceContext): Promise<void> {
  // Written back to back on one connection (in this order), not one round trip after another.
  await Promise.all([publishLive(pubsub, messageTrigger(event.conversationId), event, trace), announceConversation(pubsub, event.conversationId, participantIds, trace)]);
}

export async function announceConversation(pubsub: PubSubEngine, conversationId: string, userIds: string[], trace?: TraceContext): Promise<void> {
  await Promise.all(userIds.map((userId) => publishLive(pubsub, userTrigger(userId), { conversationId } satisfies ConversationEvent, trace)));
}
