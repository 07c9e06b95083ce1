// Search over the viewer's own conversations through the blind index: every query word must match one of
// its stemmed forms' keyed hashes. The join starts from the viewer's current participations, so a message
// from a conversation they are not (or no longer) in can never be returned.
import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput } from '@clinic/service-kit';
import type { Actor } from '../actor.ts';
import type { ChatServices } from '../services.ts';
import type { MessageRow, MessageView } from '../entities/rows.ts';
import { toMessage } from './read-messages.ts';

export async function searchMessages(em: EntityManager, services: ChatServices, actor: Actor, query: string, first: number): Promise<MessageView[]> {
  if (query.length > 200) throw badUserInput('query has at most 200 characters');
  const groups = services.index.queryTerms(query);
  if (!groups.length) return [];
  const conditions = groups.map(() => `exists (select 1 from message_terms t where t.message_id = m.id and t.conversation_id = m.conversation_id and t.term = any(?::text[]))`);
  const rows = await em.execute<MessageRow[]>(
    `select m.*, c.wrapped_key from participants p
       join conversations c on c.id = p.conversation_id
       join messages m on m.conversation_id = p.conversation_id
     where p.user_id = ? and p.left_at is null and m.deleted_at is null and ${conditions.join(' and ')}
     order by m.created_at desc limit ?`,
    [actor.user.userId, ...groups.map((g) => `{${g.join(',')}}`), first],
  );
  return rows.map((r) => toMessage(services.keys, r));
}
