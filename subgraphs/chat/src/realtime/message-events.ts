// A new message's live event, as each replica delivers it: one read per event per replica gives the message
// (decrypted once) and who may see it right now (the conversation's kind and current members), shared by every
// subscriber of that conversation on this replica; each subscriber is then checked against it. The read starts
// only once the event has arrived, so a member removed before the message was sent is never shown it. Reads
// are shared only while in flight: nothing is kept afterwards (an edit or delete is never served stale).
// The read is a prepared statement: every event runs it.
import type { EntityManager } from '@mikro-orm/postgresql';
import { executePrepared } from '@clinic/service-kit';
import type { ChatKeys } from '../privacy/keys.ts';
import type { ConversationKind, MessageRow, MessageView } from '../entities/rows.ts';
import { toMessage } from '../messages/read-messages.ts';
import type { MessageEvent } from './triggers.ts';

export interface LoadedMessageEvent {
  kind: ConversationKind;
  memberIds: string[];
  /** Undefined when the message is not (or no longer) in this conversation. */
  message: MessageView | undefined;
}

export interface MessageEvents {
  load(em: EntityManager, event: MessageEvent): Promise<LoadedMessageEvent | null>;
}

export function createMessageEvents(keys: ChatKeys): MessageEvents {
  const inFlight = new Map<string, Promise<LoadedMessageEvent | null>>();
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
    return { kind: row.conversation_kind, memberIds: row.member_ids, message: row.id ? toMessage(keys, row as MessageRow) : undefined };
  };
  return {
    load(em, event) {
      const key = `${event.conversationId}:${event.messageId}`;
      let loading = inFlight.get(key);
      if (!loading) {
        loading = read(em, event).finally(() => inFlight.delete(key));
        inFlight.set(key, loading);
      }
      return loading;
    },
  };
}
