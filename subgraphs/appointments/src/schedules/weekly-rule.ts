// Expands a doctor's schedule rules into concrete working windows (UTC instants). Rules are written in the
// doctor's IANA time zone: "Mon–Fri 09:00–13:00" means 09:00 local on every such day, so the UTC instant
// moves across a daylight-saving change while the local time stays put. Weekly rules use luxon directly;
// other recurrences (every other week, first Monday of the month) are RRULEs evaluated by `rrule` on
// floating local dates, so the library never has to know about time zones.
import { DateTime } from 'luxon';
import { RRule, rrulestr } from 'rrule';

export type RuleKind = 'WEEKLY' | 'RECURRING';

export interface RuleShape {
  kind: RuleKind;
  /** ISO weekdays 1 (Monday) … 7 (Sunday); used by WEEKLY rules. */
  weekdays: number[];
  /** RFC 5545 RRULE without DTSTART (e.g. `FREQ=MONTHLY;BYDAY=1MO`); used by RECURRING rules. */
  rrule: string | null;
  /** Local wall-clock times, `HH:mm`. */
  startTime: string;
  endTime: string;
  /** Local dates (`yyyy-MM-dd`), inclusive; validUntil null = open-ended. */
  validFrom: string;
  validUntil: string | null;
}

export interface Window {
  start: number;
  end: number;
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ALLOWED_FREQ = new Set([RRule.DAILY, RRule.WEEKLY, RRule.MONTHLY, RRule.YEARLY]);

/** Returns a human message for the first problem with a rule, or null when it is well formed. */
export function ruleProblem(rule: RuleShape, zone: string): string | null {
  if (!DateTime.local().setZone(zone).isValid) return `Unknown time zone ${zone}`;
  if (!TIME.test(rule.startTime) || !TIME.test(rule.endTime)) return 'Times must be HH:mm';
  if (rule.endTime <= rule.startTime) return 'The end time must be after the start time';
  if (!DATE.test(rule.validFrom) || !DateTime.fromISO(rule.validFrom).isValid) return 'validFrom must be a date (yyyy-MM-dd)';
  if (rule.validUntil !== null && (!DATE.test(rule.validUntil) || rule.validUntil < rule.validFrom)) return 'validUntil must be a date on or after validFrom';
  if (rule.kind === 'WEEKLY') {
    if (!rule.weekdays.length || rule.weekdays.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) return 'weekdays must be ISO weekdays 1–7';
  } else {
    if (!rule.rrule || rule.rrule.length > 300) return 'A recurring rule needs an RRULE of at most 300 characters';
    if (/DTSTART|UNTIL|TZID/i.test(rule.rrule)) return 'Give validity with validFrom/validUntil, not inside the RRULE';
    try {
      const options = RRule.parseString(rule.rrule);
      if (options.freq === undefined || !ALLOWED_FREQ.has(options.freq)) return 'RRULE FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY';
    } catch {
      return 'RRULE is malformed';
    }
  }
  return null;
}

/** Local dates (yyyy-MM-dd) in `zone` from the day containing `from` to the day containing `to`. */
const datesCache = new Map<string, string[]>();
export function localDates(zone: string, from: Date, to: Date): string[] {
  // Memoised per (zone, first day, last day): many doctors share a zone.
  const key = `${zone}|${Math.floor(from.getTime() / 60_000)}|${Math.floor(to.getTime() / 60_000)}`;
  const cached = datesCache.get(key);
  if (cached) return cached;
  const dates: string[] = [];
  let day = DateTime.fromJSDate(from, { zone }).startOf('day');
  const last = DateTime.fromJSDate(to, { zone }).startOf('day');
  while (day <= last) {
    dates.push(day.toISODate()!);
    day = day.plus({ days: 1 });
  }
  if (datesCache.size > 10_000) datesCache.clear();
  datesCache.set(key, dates);
  return dates;
}

/** Floating-date trick: RRULE occurrences computed on UTC midnights stand for local dates. */
function recurringDates(rule: RuleShape, dates: string[]): Set<string> {
  const first = dates[0];
  const last = dates[dates.length - 1];
  if (!rule.rrule || !first || !last) return new Set();
  const [y, m, d] = rule.validFrom.split('-').map(Number) as [number, number, number];
  const set = rrulestr(rule.rrule, { dtstart: new Date(Date.UTC(y, m - 1, d)) });
  const occurrences = set.between(new Date(`${first}T00:00:00Z`), new Date(`${last}T00:00:00Z`), true);
  return new Set(occurrences.map((o) => o.toISOString().slice(0, 10)));
}

/** Does the rule apply on this local date? */
export function ruleDates(rule: RuleShape, dates: string[]): string[] {
  const valid = dates.filter((date) => date >= rule.validFrom && (rule.validUntil === null || date <= rule.validUntil));
  if (rule.kind === 'WEEKLY') {
    const days = new Set(rule.weekdays);
    return valid.filter((date) => days.has(isoWeekday(date)));
  }
  const occurs = recurringDates(rule, valid);
  return valid.filter((date) => occurs.has(date));
}

function isoWeekday(date: string): number {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 ? 7 : day;
}

/**
 * Local wall-clock time → UTC epoch ms. Memoised: many doctors share a zone, and luxon's zone maths is
 * the expensive part of slot search. A time inside a spring-forward gap moves forward (luxon's rule).
 */
const instantCache = new Map<string, number>();
export function localInstant(zone: string, date: string, time: string): number {
  const key = `${zone}|${date}|${time}`;
  let value = instantCache.get(key);
  if (value === undefined) {
    value = DateTime.fromISO(`${date}T${time}`, { zone }).toMillis();
    if (instantCache.size > 200_000) instantCache.clear();
    instantCache.set(key, value);
  }
  return value;
}

/** Working windows of one rule that overlap [from, to). */
export function expandRule(rule: RuleShape, zone: string, from: Date, to: Date): Window[] {
  const windows: Window[] = [];
  for (const date of ruleDates(rule, localDates(zone, from, to))) {
    const start = localInstant(zone, date, rule.startTime);
    const end = localInstant(zone, date, rule.endTime);
    if (end > from.getTime() && start < to.getTime()) windows.push({ start, end });
  }
  return windows;
}

/** Cuts a window into slots of `slotMinutes`, leaving `bufferMinutes` between consecutive slots. */
export function slotsOfWindow(window: Window, slotMinutes: number, bufferMinutes: number): Window[] {
  const slots: Window[] = [];
  const length = slotMinutes * 60_000;
  const step = (slotMinutes + bufferMinutes) * 60_000;
  for (let t = window.start; t + length <= window.end; t += step) slots.push({ start: t, end: t + length });
  return slots;
}
