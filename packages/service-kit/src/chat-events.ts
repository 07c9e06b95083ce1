// The contract between chat (producer) and notifications (consumer) for messages nobody has seen live:
// chat raises this topic for a recipient with no open chat subscription; notifications decides the
// channel by preference and folds a burst into one digest. Ids only, never message text.
export const MESSAGE_UNREAD_TOPIC = 'chat.message_unread';

/** The payload of a `chat.message_unread` event. */
export interface MessageUnreadPayload {
  conversationId: string;
  messageId: string;
  recipientId: string;
}
