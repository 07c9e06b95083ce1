// Reading messages: rows are decrypted with their conversation's key on the way out. Paging is by message
// id (its sequence number in the conversation): `after` returns what a reconnecting client missed, oldest
// first; `before` pages back through history.
import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput } from '@clinic/service-kit';
import type { ChatKeys } from '../privacy/keys.ts';
import { isUuid } from '../actor.ts';
import type { ConversationView, MessageRow, MessageView } from '../entities/rows.ts';

export function toMessage(keys: ChatKeys, r: MessageRow): MessageView {
  const deleted = r.deleted_at !== null;
  return {
    id: r.id,
    conversationId: r.conversation_id,
    seq: Number(r.seq),
    kind: r.kind,
    senderId: r.sender_id,
    clientMessageId: r.client_message_id,
    body: deleted || !r.body_enc ? null : keys.decrypt(r.wrapped_key, r.body_enc),
    attachments: deleted ? [] : (r.attachments ?? []).map((a) => ({ documentId: a.documentId, name: keys.decrypt(r.wrapped_key, a.nameEnc) })),
    actions: deleted ? [] : (r.actions ?? []),
    createdAt: new Date(r.created_at),
    editedAt: r.edited_at ? new Date(r.edited_at) : null,
    deleted,
  };
}

const SELECT = `select m.*, c.wrapped_key from messages m join conversations c on c.id = m.conversation_id`;

export async function messagesByIds(em: EntityManager, keys: ChatKeys, ids: readonly string[]): Promise<MessageView[]> {
  if (!ids.length) return [];
  const rows = await em.execute<MessageRow[]>(`${SELECT} where m.id = any(?::uuid[])`, [`{${ids.join(',')}}`]);
  return rows.map((r) => toMessage(keys, r));
}

export async function seqOf(em: EntityManager, conversationId: string, messageId: string): Promise<number> {
  if (!isUuid(messageId)) throw badUserInput('message id must be a UUID');
  const rows = await em.execute<{ seq: string }[]>(`select seq from messages where id = ? and conversation_id = ?`, [messageId, conversationId]);
  if (!rows[0]) throw badUserInput('That message is not in this conversation');
  return Number(rows[0].seq);
}

export async function idAtSeq(em: EntityManager, conversationId: string, seq: number): Promise<string | null> {
  if (seq <= 0) return null;
  const rows = await em.execute<{ id: string }[]>(`select id from messages where conversation_id = ? and seq = ?`, [conversationId, seq]);
  return rows[0]?.id ?? null;
}

export async function pageMessages(
  em: EntityManager,
  keys: ChatKeys,
  conv: ConversationView,
  opts: { after?: string | null; before?: string | null; first: number },
) {
  const first = opts.first;
  if (opts.after) {
    const from = await seqOf(em, conv.id, opts.after);
    const rows = await em.execute<MessageRow[]>(`${SELECT} where m.conversation_id = ? and m.seq > ? order by m.seq asc limit ?`, [conv.id, from, first + 1]);
    const messages = rows.slice(0, first).map((r) => toMessage(keys, r));
    return { messages, endCursor: messages.at(-1)?.id ?? opts.after, hasMore: rows.length > first };
  }
  const to = opts.before ? await seqOf(em, conv.id, opts.before) : Number.MAX_SAFE_INTEGER;
  const rows = await em.execute<MessageRow[]>(`${SELECT} where m.conversation_id = ? and m.seq < ? order by m.seq desc limit ?`, [conv.id, to, first + 1]);
  // Returned oldest first; the cursor (the oldest shown) pages further back with `before`.
  const messages = rows.slice(0, first).map((r) => toMessage(keys, r)).reverse();
  return { messages, endCursor: messages[0]?.id ?? null, hasMore: rows.length > first };
}

export async function lastMessage(em: EntityManager, keys: ChatKeys, conv: ConversationView): Promise<MessageView | null> {
  const rows = await em.execute<MessageRow[]>(`${SELECT} where m.conversation_id = ? and m.seq = ?`, [conv.id, conv.lastSeq]);
  return rows[0] ? toMessage(keys, rows[0]) : null;
}
