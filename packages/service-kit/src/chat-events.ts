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

// The contract between chat and the assistant. The clinic assistant takes part in conversations (every new
// desk conversation, or any group it is added to) under one fixed participant id: it is no identity user and
// never signs in. Chat raises MESSAGE_TO_ASSISTANT_TOPIC (ids only) for a patient's message in such a
// conversation; the assistant reads the text and posts its reply through chat's internal routes, which answer
// only callers holding the router secret (the same shared secret every subgraph already checks).

/** The assistant's participant id in chat conversations. */
export const ASSISTANT_PARTICIPANT_ID = '00000000-0000-4000-8000-00000000a551';
/** A patient wrote in a conversation the assistant takes part in. */
export const MESSAGE_TO_ASSISTANT_TOPIC = 'chat.message_to_assistant';
/** Where chat's MESSAGE_TO_ASSISTANT_TOPIC events go (the assistant consumes it). */
export const ASSISTANT_CHAT_QUEUE = 'assistant-chat';

/** The payload of a `chat.message_to_assistant` event (ids only, never the text). */
export interface MessageToAssistantPayload {
  conversationId: string;
  messageId: string;
  senderId: string;
  /** Chat's signed proof that the sender just wrote this (when delegation is configured; see delegation.ts). */
  proof?: string;
}

/** Chat's internal route: POST { messageId } → AssistantChatMessage (404 unless the assistant takes part). */
export const ASSISTANT_MESSAGE_PATH = '/internal/assistant/message';
/** Chat's internal route: POST AssistantChatReply → { messageId } (idempotent per inReplyTo). */
export const ASSISTANT_REPLY_PATH = '/internal/assistant/reply';

export interface AssistantChatMessage {
  conversationId: string;
  messageId: string;
  senderId: string;
  body: string;
}

/** A slot the patient's client books with the patient's own rights (chat's BOOK_SLOT quick action). */
export interface AssistantChatSlotAction {
  kind: 'BOOK_SLOT';
  doctorId: string;
  startsAt: string;
  consultationType: string | null;
}

export interface AssistantChatReply {
  conversationId: string;
  /** The patient's message this answers: the reply is stored once per message (a retried job stores nothing new). */
  inReplyTo: string;
  body: string;
  actions: AssistantChatSlotAction[];
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
