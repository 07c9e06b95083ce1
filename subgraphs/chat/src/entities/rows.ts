// The chat tables as the domain reads them. Chat works in SQL (sequence numbers, upserts, cursors and the
// blind-index joins are clearer there); these are the row shapes and their mapping to domain values.
export type ConversationKind = 'DIRECT' | 'GROUP' | 'DESK';
export type ParticipantRole = 'OWNER' | 'MEMBER' | 'OBSERVER';

export interface ConversationRow {
  id: string;
  kind: ConversationKind;
  appointment_id: string | null;
  category: string | null;
  tags: string[];
  wrapped_key: string;
  last_seq: string | number;
  created_at: Date;
  last_activity_at: Date;
}

export interface ParticipantRow {
  conversation_id: string;
  user_id: string;
  role: ParticipantRole;
  joined_at: Date;
  left_at: Date | null;
  archived: boolean;
  delivered_seq: string | number;
  read_seq: string | number;
}

export interface MessageRow {
  id: string;
  conversation_id: string;
  seq: string | number;
  kind: 'TEXT' | 'SYSTEM';
  sender_id: string | null;
  client_message_id: string | null;
  body_enc: string | null;
  attachments: StoredAttachment[];
  actions: QuickAction[];
  created_at: Date;
  edited_at: Date | null;
  deleted_at: Date | null;
  wrapped_key: string;
}

/** An attachment as stored: the document id and its name, encrypted. */
export interface StoredAttachment {
  documentId: string;
  nameEnc: string;
}

export type QuickActionKind = 'BOOK_SLOT' | 'RESCHEDULE' | 'CANCEL' | 'CONFIRM';
/** Ids and times only: the client turns it into the ordinary appointments mutation. */
export interface QuickAction {
  kind: QuickActionKind;
  appointmentId: string | null;
  doctorId: string | null;
  startsAt: string | null;
  consultationType: string | null;
}

/** A conversation as one viewer sees it. */
export interface ConversationView {
  id: string;
  kind: ConversationKind;
  appointmentId: string | null;
  category: string | null;
  tags: string[];
  wrappedKey: string;
  lastSeq: number;
  lastActivityAt: Date;
  /** The viewer's participation; null when staff opened it with audited staff access. */
  membership: { role: ParticipantRole; archived: boolean; readSeq: number } | null;
}

export interface MessageView {
  id: string;
  conversationId: string;
  seq: number;
  kind: 'TEXT' | 'SYSTEM';
  senderId: string | null;
  clientMessageId: string | null;
  body: string | null;
  attachments: { documentId: string; name: string }[];
  actions: QuickAction[];
  createdAt: Date;
  editedAt: Date | null;
  deleted: boolean;
}

export interface ParticipantView {
  conversationId: string;
  userId: string;
  role: ParticipantRole;
  joinedAt: Date;
  deliveredSeq: number;
  readSeq: number;
}

export const toParticipant = (r: ParticipantRow): ParticipantView => ({
  conversationId: r.conversation_id,
  userId: r.user_id,
  role: r.role,
  joinedAt: new Date(r.joined_at),
  deliveredSeq: Number(r.delivered_seq),
  readSeq: Number(r.read_seq),
});

export function toConversation(r: ConversationRow, p: Pick<ParticipantRow, 'role' | 'archived' | 'read_seq'> | null): ConversationView {
  return {
    id: r.id,
    kind: r.kind,
    appointmentId: r.appointment_id,
    category: r.category,
    tags: r.tags ?? [],
    wrappedKey: r.wrapped_key,
    lastSeq: Number(r.last_seq),
    lastActivityAt: new Date(r.last_activity_at),
    membership: p ? { role: p.role, archived: p.archived, readSeq: Number(p.read_seq) } : null,
  };
}
