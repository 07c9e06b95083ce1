// Per-request DataLoaders: a conversation's participants are fetched once per request for every message's
// receipts and every conversation in a list, and appointments' conversations in one query (no N+1).
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ASSISTANT_PARTICIPANT_ID } from '@clinic/service-kit';
import { toConversation, toParticipant, type ConversationRow, type ConversationView, type ParticipantRow, type ParticipantView } from '../entities/rows.ts';

export function createLoaders(em: EntityManager, viewerId: string | null) {
  return {
    /** An appointment's conversation, only if the viewer takes part in it. */
    appointmentConversation: new DataLoader<string, ConversationView | null>(async (ids) => {
      if (!viewerId) return ids.map(() => null);
      const rows = await em.execute<(ConversationRow & ParticipantRow)[]>(
        `select c.*, p.role, p.archived, p.read_seq from conversations c
         join participants p on p.conversation_id = c.id and p.user_id = ? and p.left_at is null
         where c.appointment_id = any(?::uuid[])`,
        [viewerId, `{${ids.join(',')}}`],
      );
      return ids.map((id) => {
        const row = rows.find((r) => r.appointment_id === id);
        return row ? toConversation(row, row) : null;
      });
    }),
    participants: new DataLoader<string, ParticipantView[]>(async (ids) => {
      const rows = await em.execute<ParticipantRow[]>(
        // People only: the clinic assistant shows on its messages (Message.fromAssistant), not as a user.
        `select * from participants where conversation_id = any(?::uuid[]) and left_at is null and user_id <> ? order by joined_at`,
        [`{${ids.join(',')}}`, ASSISTANT_PARTICIPANT_ID],
      );
      const by = new Map<string, ParticipantView[]>();
      for (const r of rows) by.set(r.conversation_id, [...(by.get(r.conversation_id) ?? []), toParticipant(r)]);
      return ids.map((id) => by.get(id) ?? []);
    }),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
