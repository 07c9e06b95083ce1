// Live events on the kit's pub/sub (Redis, so any router and any chat replica serve any subscriber).
// Payloads carry ids only; each subscriber's resolver loads (and checks) what it may see.
import type { PubSubEngine } from 'graphql-subscriptions';

export const messageTrigger = (conversationId: string) => `chat.messages.${conversationId}`;
export const typingTrigger = (conversationId: string) => `chat.typing.${conversationId}`;
export const receiptTrigger = (conversationId: string) => `chat.receipts.${conversationId}`;
export const userTrigger = (userId: string) => `chat.user.${userId}`;

export interface MessageEvent {
  conversationId: string;
  messageId: string;
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

/** After commit: tells subscribers of the conversation and every participant's conversation list. */
export async function announceMessage(pubsub: PubSubEngine, event: MessageEvent, participantIds: string[]): Promise<void> {
  await pubsub.publish(messageTrigger(event.conversationId), event);
  await announceConversation(pubsub, event.conversationId, participantIds);
}

export async function announceConversation(pubsub: PubSubEngine, conversationId: string, userIds: string[]): Promise<void> {
  for (const userId of userIds) await pubsub.publish(userTrigger(userId), { conversationId } satisfies ConversationEvent);
}
