// The assistant's KPIs over a period, from recorded turns and hand-offs (one aggregate query each).
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Intent } from '../understanding/intents.ts';

export interface Kpis {
  turns: number;
  conversations: number;
  fallbacks: number;
  handoffs: number;
  urgentHandoffs: number;
  bookingsCompleted: number;
  containmentRate: number;
  bookingConversion: number;
  intents: { intent: Intent; count: number }[];
}

export async function assistantKpis(em: EntityManager, from: Date, to: Date): Promise<Kpis> {
  const conn = em.getConnection();
  const [t] = await conn.execute<{ turns: string; conversations: string; fallbacks: string; booked: string; wanted: string; handed: string }[]>(
    `select count(*) as turns,
            count(distinct session_id) as conversations,
            count(*) filter (where outcome = 'FALLBACK') as fallbacks,
            count(distinct session_id) filter (where outcome = 'BOOKED') as booked,
            count(distinct session_id) filter (where intent = 'BOOK') as wanted,
            count(distinct session_id) filter (where handoff_id is not null) as handed
       from assistant_turns where created_at >= ? and created_at < ?`,
    [from, to],
  );
  const [h] = await conn.execute<{ total: string; urgent: string }[]>(
    `select count(*) as total, count(*) filter (where priority = 'URGENT') as urgent from assistant_handoffs where created_at >= ? and created_at < ?`,
    [from, to],
  );
  const intents = await conn.execute<{ intent: Intent; count: string }[]>(
    `select intent, count(*) as count from assistant_turns where created_at >= ? and created_at < ? and intent is not null group by intent order by count(*) desc`,
    [from, to],
  );
  const conversations = Number(t!.conversations);
  const wanted = Number(t!.wanted);
  return {
    turns: Number(t!.turns),
    conversations,
    fallbacks: Number(t!.fallbacks),
    handoffs: Number(h!.total),
    urgentHandoffs: Number(h!.urgent),
    bookingsCompleted: Number(t!.booked),
    containmentRate: conversations ? (conversations - Number(t!.handed)) / conversations : 1,
    bookingConversion: wanted ? Number(t!.booked) / wanted : 0,
    intents: intents.map((r) => ({ intent: r.intent, count: Number(r.count) })),
  };
}
