// A new message's live event, as each replica delivers it: the message (decrypted once) and who may see it (the
// conversation's kind and members), shared by every subscriber of that conversation on this replica; each
// subscriber is then checked against it. A send's event carries both (`stored`: ciphertext, and the members the
// send read under the conversation's row lock, so a member removed before the message was sent is not in it);
// the replica only needs the conversation's key, which never changes and is kept here once seen (a subscribe or
// a send). An event without them (other senders), or for a conversation whose key this replica has not seen, is
// read from the database once it has arrived, shared only while in flight. The read is a prepared statement.
import type { EntityManager } from '@mikro-orm/postgresql';
import { executePrepared } from '@clinic/service-kit';
import type { ChatKeys } from '../privacy/keys.ts';
import type { ConversationKind, MessageRow, MessageView } from '../entities/rows.ts';
import { toMessage } from '../messages/read-messages.ts';
import type { MessageEvent, StoredMessageEvent } from './triggers.ts';

export interface LoadedMessageEvent {
  kind: ConversationKind;
  memberIds: string[];
  /** Undefined when the message is not (or no longer) in this conversation. */
  message: MessageView | undefined;
}

export interface MessageEvents {
  /** `em`: called only when the event has to be read (a fork per subscriber costs more than the event itself). */
  load(em: () => EntityManager, event: MessageEvent): Promise<LoadedMessageEvent | null>;
  /** A conversation's wrapped key, as this replica read or wrote it (it never changes). */
  rememberKey(conversationId: string, wrappedKey: string): void;
}

/** Wrapped keys kept per replica (about 100 bytes each); the oldest is forgotten first. */
const KEYS_KEPT = 20_000;

export function createMessageEvents(keys: ChatKeys): MessageEvents {
  const inFlight = new Map<string, Promise<LoadedMessageEvent | null>>();
  const wrappedKeys = new Map<string, string>();
  // One decryption per event per replica: every subscriber's handler gets the same parsed payload object.
  const fromEvents = new WeakMap<MessageEvent, Promise<LoadedMessageEvent>>();
  const rememberKey = (conversationId: string, wrappedKey: string) => {
    if (wrappedKeys.has(conversationId)) return;
    if (wrappedKeys.size >= KEYS_KEPT) wrappedKeys.delete(wrappedKeys.keys().next().value!);
    wrappedKeys.set(conversationId, wrappedKey);
  };
  const fromStored = (event: MessageEvent, stored: StoredMessageEvent, wrappedKey: string): LoadedMessageEvent => ({
    kind: stored.conversationKind,
    memberIds: stored.memberIds,
    message: toMessage(keys, {
      id: event.messageId, conversation_id: event.conversationId, seq: stored.seq, kind: stored.kind, sender_id: stored.senderId,
      client_message_id: stored.clientMessageId, body_enc: stored.bodyEnc, attachments: stored.attachments, actions: stored.actions,
      created_at: new Date(stored.createdAt), edited_at: null, deleted_at: null, wrapped_key: wrappedKey,
    }),
  });
  const read = async (em: EntityManager, event: MessageEvent): Promise<LoadedMessageEvent | null> => {
    const rows = await executePrepared<Partial<MessageRow> & { conversation_kind: ConversationKind; member_ids: string[]; wrapped_key: string }>(
      em,
      `select m.*, c.wrapped_key, c.kind as conversation_kind,
         array(select user_id::text from participants p where p.conversation_id = c.id and p.left_at is null) as member_ids
       from conversations c left join messages m on m.id = ? and m.conversation_id = c.id
       where c.id = ?`,
      [event.messageId, event.conversationId],
    );
    const row = rows[0];
    if (!row) return null;
    rememberKey(event.conversationId, row.wrapped_key);
    return { kind: row.conversation_kind, memberIds: row.member_ids, message: row.id ? toMessage(keys, row as MessageRow) : undefined };
  };
  return {
    rememberKey,
    load(em, event) {
      const wrappedKey = event.stored && wrappedKeys.get(event.conversationId);
      if (event.stored && wrappedKey) {
        let loaded = fromEvents.get(event);
        if (!loaded) fromEvents.set(event, (loaded = Promise.resolve(event.stored).then((stored) => fromStored(event, stored, wrappedKey))));
        return loaded;
      }
      const key = `${event.conversationId}:${event.messageId}`;
      let loading = inFlight.get(key);
      if (!loading) {
        loading = read(em(), event).finally(() => inFlight.delete(key));
        inFlight.set(key, loading);
      }
      return loading;
    },
  };
}
