// Pure time rules: when each reminder of an appointment is due, and when a non-urgent message may go out
// given the recipient's quiet hours in their own IANA zone (luxon does the zone and DST arithmetic).
import { DateTime } from 'luxon';

export interface QuietHours {
  /** HH:mm local */
  start: string;
  end: string;
}

/** Due instants: the start minus each offset (exact elapsed minutes, so a DST change in between is honoured). */
export function dueInstants(startsAt: Date, offsets: number[]): { offsetMinutes: number; dueAt: Date }[] {
  return offsets.map((offsetMinutes) => ({ offsetMinutes, dueAt: new Date(startsAt.getTime() - offsetMinutes * 60_000) }));
}

const minutesOf = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};

export const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

/**
 * The first instant at or after `at` outside the quiet hours in `zone` (returns `at` when it is outside).
 * Quiet hours may cross midnight (22:00–07:00). The end is taken as a local wall time on the right day, so
 * on a DST change day the wait is the real one (e.g. 22:00–07:00 is 8 h or 10 h long).
 */
export function afterQuietHours(at: Date, zone: string, quiet: QuietHours | null): Date {
  if (!quiet || quiet.start === quiet.end) return at;
  const local = DateTime.fromJSDate(at, { zone });
  const now = local.hour * 60 + local.minute;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const crossesMidnight = start > end;
  const inside = crossesMidnight ? now >= start || now < end : now >= start && now < end;
  if (!inside) return at;
  const endDay = crossesMidnight && now >= start ? local.plus({ days: 1 }) : local;
  const [h, m] = quiet.end.split(':').map(Number);
  const endsAt = endDay.set({ hour: h!, minute: m!, second: 0, millisecond: 0 });
  return endsAt.toJSDate();
}

/** The appointment's time as the recipient reads it, in their zone and language. */
export function localTime(at: Date, zone: string, locale: string): string {
  return DateTime.fromJSDate(at, { zone })
    .setLocale(locale === 'ro' ? 'ro-RO' : 'en-GB')
    .toLocaleString({ weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
}
