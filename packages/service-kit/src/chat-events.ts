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

// The contract between chat and documents for attachments. A document attached to a message is shared
// in the conversation: documents lets the conversation's current members read it. Chat asks documents
// synchronously when the message is sent (the sender must be able to read each document; documents
// decides with its own rules and the sender's own token) and tells it every membership change through
// its outbox, as a full member list with a version, so a late or repeated message never undoes a newer one.

/** Raised by chat whenever a conversation's members change (ids only). */
export const CONVERSATION_MEMBERS_TOPIC = 'chat.members_changed';

/** The payload of a `chat.members_changed` event: everyone currently in the conversation. */
export interface ConversationMembersPayload {
  conversationId: string;
  memberIds: string[];
  /** Grows by one with each change; documents keeps the highest it has seen. */
  membersVersion: number;
}

/** Consumed by documents (produced to by chat's outbox relay). */
export const DOCUMENTS_CHAT_QUEUE = 'documents-chat';

/** documents' internal route (router secret + the sender's bearer token) that checks and shares attachments. */
export const CONVERSATION_SHARES_PATH = '/internal/conversation-shares';

/** The body chat POSTs there: the documents attached to one message and the conversation's members now. */
export interface ConversationShareRequest extends ConversationMembersPayload {
  documentIds: string[];
}
