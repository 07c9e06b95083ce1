// The satisfaction rating: asked once a conversation is resolved (something booked, moved or cancelled, or
// the patient says thanks), answered with 1–5 (typed, or a quick action), stored once per conversation (a new
// answer replaces it).
import { badUserInput } from '@clinic/service-kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { QuickAction } from '../entities/conversation.ts';
import type { Language } from '../understanding/language.ts';
import { fold } from '../understanding/text.ts';

/** Outcomes after which the conversation counts as resolved by the assistant. */
export const RESOLVED_OUTCOMES = ['BOOKED', 'RESCHEDULED', 'CANCELLED', 'RESOLVED', 'ANSWERED'];
/** Outcomes that end with asking for a rating. */
const ASK_AFTER = ['BOOKED', 'RESCHEDULED', 'CANCELLED'];

export const shouldAskRating = (outcome: string | null, intent: string) => (outcome !== null && ASK_AFTER.includes(outcome)) || intent === 'THANKS';

const RATING = /^([1-5])(?: ?\/ ?5| stars?| stele| stea| puncte)?$/;

/** 1–5 from "4", "4/5", "5 stars", "3 stele" or ★★★★, else null. */
export function ratingOf(message: string): number | null {
  const stars = message.trim().match(/^★{1,5}$/);
  if (stars) return stars[0].length;
  const m = RATING.exec(fold(message));
  return m ? Number(m[1]) : null;
}

export const ratingQuestion = (lang: Language) =>
  lang === 'ro'
    ? 'Cum apreciați această conversație, de la 1 (slab) la 5 (excelent)?'
    : 'How would you rate this conversation, from 1 (poor) to 5 (excellent)?';
export const ratingThanks = (lang: Language) => (lang === 'ro' ? 'Mulțumim pentru apreciere!' : 'Thank you for your rating!');
export const ratingActions = (): QuickAction[] => [1, 2, 3, 4, 5].map((n) => ({ label: '★'.repeat(n), message: String(n) }));

export async function saveRating(em: EntityManager, sessionId: string, userId: string, rating: number, now: Date): Promise<void> {
  if (!Number.isInteger(rating) || rating < 1 || rating > 5) throw badUserInput('rating is a whole number from 1 to 5');
  await em.getConnection().execute(
    `insert into assistant_ratings (session_id, user_id, rating, created_at) values (?, ?, ?, ?)
     on conflict (session_id) do update set rating = excluded.rating, created_at = excluded.created_at`,
    [sessionId, userId, rating, now],
    'run',
    em.getTransactionContext(),
  );
}
