// The assistant's KPIs over a period, from recorded turns, hand-offs and ratings: one query per conversation
// figures grouped by the day each conversation started (in the caller's time zone), totals summed from the
// days, plus hand-offs and intents. Time to resolution: a conversation's first message to its first
// resolving turn.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Intent } from '../understanding/intents.ts';
import { RESOLVED_OUTCOMES } from './satisfaction.ts';

export interface DayKpis {
  day: string;
  turns: number;
  conversations: number;
  fallbacks: number;
  handoffs: number;
  bookingsCompleted: number;
  containmentRate: number;
  ratings: number;
  averageSatisfaction: number | null;
  averageTimeToResolutionSeconds: number | null;
}

export interface Kpis {
  from: Date;
  to: Date;
  turns: number;
  conversations: number;
  fallbacks: number;
  handoffs: number;
  urgentHandoffs: number;
  bookingsCompleted: number;
  containmentRate: number;
  bookingConversion: number;
  handoffRate: number;
  intents: { intent: Intent; count: number }[];
  ratings: number;
  averageSatisfaction: number | null;
  averageTimeToResolutionSeconds: number | null;
  days: DayKpis[];
}

interface DayRow {
  day: string;
  turns: string;
  conversations: string;
  fallbacks: string;
  handed: string;
  booked: string;
  wanted: string;
  resolved: string;
  resolution_seconds: string | null;
  ratings: string;
  rating_sum: string | null;
}

const PER_DAY = `
  with sessions as (
    select session_id,
           min(created_at) as started,
           min(created_at) filter (where outcome = any(?::text[])) as resolved_at,
           bool_or(outcome = 'BOOKED') as booked,
           bool_or(intent = 'BOOK') as wanted,
           bool_or(handoff_id is not null) as handed,
           count(*) as turns,
           count(*) filter (where outcome = 'FALLBACK') as fallbacks
      from assistant_turns where created_at >= ? and created_at < ?
     group by session_id)
  select to_char(s.started at time zone ?, 'YYYY-MM-DD') as day,
         sum(s.turns) as turns,
         count(*) as conversations,
         sum(s.fallbacks) as fallbacks,
         count(*) filter (where s.handed) as handed,
         count(*) filter (where s.booked) as booked,
         count(*) filter (where s.wanted) as wanted,
         count(s.resolved_at) as resolved,
         sum(extract(epoch from s.resolved_at - s.started)) as resolution_seconds,
         count(r.rating) as ratings,
         sum(r.rating) as rating_sum
    from sessions s left join assistant_ratings r on r.session_id = s.session_id
   group by 1 order by 1`;

const ratio = (part: number, whole: number, empty: number) => (whole ? part / whole : empty);

export async function assistantKpis(em: EntityManager, from: Date, to: Date, zone = 'UTC'): Promise<Kpis> {
  const conn = em.getConnection();
  const rows = await conn.execute<DayRow[]>(PER_DAY, [`{${RESOLVED_OUTCOMES.join(',')}}`, from, to, zone]);
  const [h] = await conn.execute<{ total: string; urgent: string }[]>(
    `select count(*) as total, count(*) filter (where priority = 'URGENT') as urgent from assistant_handoffs where created_at >= ? and created_at < ?`,
    [from, to],
  );
  const intents = await conn.execute<{ intent: Intent; count: string }[]>(
    `select intent, count(*) as count from assistant_turns where created_at >= ? and created_at < ? and intent is not null group by intent order by count(*) desc`,
    [from, to],
  );
  const sum = (pick: (r: DayRow) => string | null) => rows.reduce((n, r) => n + Number(pick(r) ?? 0), 0);
  const days: DayKpis[] = rows.map((r) => ({
    day: r.day,
    turns: Number(r.turns),
    conversations: Number(r.conversations),
    fallbacks: Number(r.fallbacks),
    handoffs: Number(r.handed),
    bookingsCompleted: Number(r.booked),
    containmentRate: ratio(Number(r.conversations) - Number(r.handed), Number(r.conversations), 1),
    ratings: Number(r.ratings),
    averageSatisfaction: Number(r.ratings) ? Number(r.rating_sum) / Number(r.ratings) : null,
    averageTimeToResolutionSeconds: Number(r.resolved) ? Number(r.resolution_seconds) / Number(r.resolved) : null,
  }));
  const conversations = sum((r) => r.conversations);
  const handed = sum((r) => r.handed);
  const ratings = sum((r) => r.ratings);
  const resolved = sum((r) => r.resolved);
  return {
    from,
    to,
    turns: sum((r) => r.turns),
    conversations,
    fallbacks: sum((r) => r.fallbacks),
    handoffs: Number(h!.total),
    urgentHandoffs: Number(h!.urgent),
    bookingsCompleted: sum((r) => r.booked),
    containmentRate: ratio(conversations - handed, conversations, 1),
    bookingConversion: ratio(sum((r) => r.booked), sum((r) => r.wanted), 0),
    handoffRate: ratio(handed, conversations, 0),
    intents: intents.map((r) => ({ intent: r.intent, count: Number(r.count) })),
    ratings,
    averageSatisfaction: ratings ? sum((r) => r.rating_sum) / ratings : null,
    averageTimeToResolutionSeconds: resolved ? sum((r) => r.resolution_seconds) / resolved : null,
    days,
  };
}
