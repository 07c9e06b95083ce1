// Dates and times the way people say them, resolved in the patient's zone relative to an injected `now`:
// English through chrono-node, Romanian through the small parser below ("mâine dimineață", "joi viitoare
// la 10", "poimâine după-amiază", "peste două săptămâni", "15 martie la 9:30").
import * as chrono from 'chrono-node';
import { DateTime } from 'luxon';
import type { Language } from './language.ts';
import { fold, numberOf } from './text.ts';

export type PartOfDay = 'MORNING' | 'NOON' | 'AFTERNOON' | 'EVENING';

export interface When {
  text: string;
  /** Local date (yyyy-MM-dd) in the patient's zone, when a day was said. */
  date: string | null;
  /** Local time (HH:mm), when a time was said. */
  time: string | null;
  partOfDay: PartOfDay | null;
}

/** Where each part of the day starts and ends (local hours), for slot search and default times. */
export const PART_OF_DAY_HOURS: Record<PartOfDay, [number, number]> = {
  MORNING: [8, 12],
  NOON: [11, 14],
  AFTERNOON: [12, 17],
  EVENING: [17, 21],
};

const PARTS: [RegExp, PartOfDay][] = [
  [/\b(morning|dimineata|dimineaza|de dimineata)\b/, 'MORNING'],
  [/\b(afternoon|dupa-amiaza|dupa amiaza|dupaamiaza|dupa-masa|dupa masa|dupa pranz)\b/, 'AFTERNOON'],
  [/\b(evening|tonight|seara|diseara)\b/, 'EVENING'],
  [/\b(noon|lunchtime|midday|pranz|la amiaza)\b/, 'NOON'],
];

function partOfDayOf(folded: string): PartOfDay | null {
  for (const [re, part] of PARTS) if (re.test(folded)) return part;
  return null;
}

/** A clinic guess for hours said without am/pm: "at 3" is 15:00, "seara la 7" is 19:00. */
function clinicHour(hour: number, part: PartOfDay | null, meridiemKnown: boolean): number {
  if (meridiemKnown || hour >= 12) return hour;
  if (part === 'AFTERNOON' || part === 'EVENING') return hour + 12;
  return hour >= 1 && hour <= 7 ? hour + 12 : hour;
}

const pad = (n: number) => String(n).padStart(2, '0');

function english(text: string, now: Date, zone: string): When | null {
  const ref = DateTime.fromJSDate(now).setZone(zone);
  const parsed = chrono.parse(text, { instant: now, timezone: ref.offset }, { forwardDate: true })[0];
  const folded = fold(text);
  const part = partOfDayOf(folded);
  if (!parsed) return part ? { text: part.toLowerCase(), date: null, time: null, partOfDay: part } : null;
  const s = parsed.start;
  const dayKnown = s.isCertain('day') || s.isCertain('weekday') || /\b(today|tomorrow|tonight|in \w+ (day|week|month)s?|next week)\b/.test(folded);
  const date = dayKnown ? `${s.get('year')}-${pad(s.get('month')!)}-${pad(s.get('day')!)}` : null;
  const time = s.isCertain('hour') ? `${pad(clinicHour(s.get('hour')!, part, s.isCertain('meridiem')))}:${pad(s.get('minute') ?? 0)}` : null;
  if (!date && !time && !part) return null;
  return { text: parsed.text, date, time, partOfDay: part };
}

const RO_WEEKDAYS = ['luni', 'marti', 'miercuri', 'joi', 'vineri', 'sambata', 'duminica'];
const RO_MONTHS = ['ianuarie', 'februarie', 'martie', 'aprilie', 'mai', 'iunie', 'iulie', 'august', 'septembrie', 'octombrie', 'noiembrie', 'decembrie'];

function romanianDay(folded: string, today: DateTime): { date: DateTime; text: string } | null {
  const inN = /\b(?:peste|in|dupa) (\S+) (zile|zi|saptamani|saptamana|luni|luna)\b/.exec(folded);
  if (inN) {
    const n = numberOf(inN[1]!);
    if (n != null) {
      const unit = inN[2]!.startsWith('z') ? { days: n } : inN[2]!.startsWith('s') ? { weeks: n } : { months: n };
      return { date: today.plus(unit), text: inN[0] };
    }
  }
  const rel = /\b(poimaine|maine|azi|astazi|diseara)\b/.exec(folded);
  if (rel) return { date: today.plus({ days: rel[1] === 'poimaine' ? 2 : rel[1] === 'maine' ? 1 : 0 }), text: rel[0] };
  const dm = new RegExp(`\\b(\\d{1,2}) (${RO_MONTHS.join('|')})\\b`).exec(folded);
  if (dm) {
    let date = today.set({ month: RO_MONTHS.indexOf(dm[2]!) + 1, day: Number(dm[1]) });
    if (date < today) date = date.plus({ years: 1 });
    return date.isValid ? { date, text: dm[0] } : null;
  }
  const wd = new RegExp(`\\b(${RO_WEEKDAYS.join('|')})(?:a|ea)?( viitoare| viitor| urmatoare| urmator| care vine| de saptamana viitoare)?\\b`).exec(folded);
  if (wd) {
    const index = RO_WEEKDAYS.indexOf(wd[1]!) + 1;
    if (wd[2]) return { date: today.startOf('week').plus({ weeks: 1 }).set({ weekday: index as 1 }), text: wd[0] };
    let date = today.set({ weekday: index as 1 });
    if (date <= today) date = date.plus({ weeks: 1 });
    return { date, text: wd[0] };
  }
  if (/\bsaptamana viitoare\b/.test(folded)) return { date: today.startOf('week').plus({ weeks: 1 }), text: 'saptamana viitoare' };
  return null;
}

function romanian(text: string, now: Date, zone: string): When | null {
  const folded = fold(text);
  const today = DateTime.fromJSDate(now).setZone(zone).startOf('day');
  const day = romanianDay(folded, today);
  const part = partOfDayOf(folded) ?? (/\bdiseara\b/.test(folded) ? 'EVENING' : null);
  const t = /\b(?:la|pe la|in jur de|ora|catre)\s+(?:ora\s+)?(\d{1,2})(?::(\d{2})| si (\d{1,2}|jumatate|un sfert))?\b/.exec(folded);
  let time: string | null = null;
  if (t && Number(t[1]) <= 23) {
    const minute = t[2] ? Number(t[2]) : t[3] === 'jumatate' ? 30 : t[3] === 'un sfert' ? 15 : t[3] ? Number(t[3]) : 0;
    time = `${pad(clinicHour(Number(t[1]), part, false))}:${pad(minute)}`;
  }
  if (!day && !time && !part) return null;
  return { text: [day?.text, t?.[0]].filter(Boolean).join(' ') || (part ?? '').toLowerCase(), date: day ? day.date.toISODate() : null, time, partOfDay: part };
}

export function parseWhen(text: string, language: Language, now: Date, zone: string): When | null {
  return language === 'ro' ? (romanian(text, now, zone) ?? english(text, now, zone)) : english(text, now, zone);
}

/** The instant (ISO-8601 with the patient's offset) of a local date and time in the zone. */
export function instantOf(date: string, time: string, zone: string): string {
  return DateTime.fromISO(`${date}T${time}`, { zone }).toISO({ suppressMilliseconds: true })!;
}
