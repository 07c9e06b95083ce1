// A user's conversations: most recent activity first, with unread counts, cursor-paginated (keyset on
// last activity and id), archived or not, optionally only those carrying every given tag and/or of one
// category (GIN index on tags, b-tree on category). One query per page: no N+1 for the counts.
import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput } from '@clinic/service-kit';
import { toConversation, type ConversationRow, type ConversationView } from '../entities/rows.ts';

export interface ConversationPage {
  conversations: (ConversationView & { unread: number })[];
  endCursor: string | null;
  hasNextPage: boolean;
}

const cursorOf = (c: ConversationView) => Buffer.from(`${c.lastActivityAt.toISOString()}|${c.id}`).toString('base64url');

function parseCursor(cursor: string): [Date, string] {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const date = new Date(at ?? '');
  if (!id || Number.isNaN(date.getTime())) throw badUserInput('after is not a cursor from this list');
  return [date, id];
}

type Row = ConversationRow & { role: 'OWNER' | 'MEMBER' | 'OBSERVER'; archived: boolean; read_seq: string; unread: string };

export async function listConversations(
  em: EntityManager,
  userId: string,
  opts: { first: number; after?: string | null; archived: boolean; tags?: readonly string[] | null; category?: string | null },
): Promise<ConversationPage> {
  const first = opts.first;
  const wanted = opts.tags?.length ? [...new Set(opts.tags)] : null;
  if (wanted && (wanted.length > 10 || wanted.some((t) => !t || t.length > 40))) throw badUserInput('tags: at most 10, each 1 to 40 characters');
  // A Postgres array literal (as conversations are written): a JS array would be expanded by the driver.
  const tags = wanted ? `{${wanted.map((t) => JSON.stringify(t)).join(',')}}` : null;
  const [afterAt, afterId] = opts.after ? parseCursor(opts.after) : [null, null];
  const rows = await em.execute<Row[]>(
    `select c.*, p.role, p.archived, p.read_seq,
       (select count(*) from messages m where m.conversation_id = c.id and m.seq > p.read_seq
          and m.deleted_at is null and m.sender_id is distinct from p.user_id) as unread
     from participants p join conversations c on c.id = p.conversation_id
     where p.user_id = ? and p.left_at is null and p.archived = ?
       and (?::text[] is null or c.tags @> ?::text[])
       and (?::text is null or c.category = ?)
       and (?::timestamptz is null or (c.last_activity_at, c.id) < (?::timestamptz, ?::uuid))
     order by c.last_activity_at desc, c.id desc
     limit ?`,
    [userId, opts.archived, tags, tags, opts.category ?? null, opts.category ?? null, afterAt, afterAt, afterId, first + 1],
  );
  const page = rows.slice(0, first).map((r) => ({ ...toConversation(r, r), unread: Number(r.unread) }));
  return { conversations: page, endCursor: page.length ? cursorOf(page[page.length - 1]!) : null, hasNextPage: rows.length > first };
}

/** Desk conversations, most recent first (operators and administrators). */
export async function deskConversations(em: EntityManager, first: number): Promise<ConversationView[]> {
  const rows = await em.execute<ConversationRow[]>(
    `select * from conversations where kind = 'DESK' order by last_activity_at desc limit ?`,
    [first],
  );
  return rows.map((r) => toConversation(r, null));
}
