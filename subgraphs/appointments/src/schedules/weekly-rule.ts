// Expands a doctor's schedule rules into concrete working windows (UTC instants). Rules are written in the
// doctor's IANA time zone: "Mon–Fri 09:00–13:00" means 09:00 local on every such day, so the UTC instant
// moves across a daylight-saving change while the local time stays put. Which dates a rule applies to is
// decided on local dates (weekly rules directly; other recurrences — every other week, first Monday of the
// month — are RRULEs evaluated by `rrule` on floating dates, so the library never sees a time zone); the
// times of each date are read by local-time.ts, whose documented rules settle the repeated fall-back hour
// and the spring-forward gap without looking at the server's clock. Hours may run past midnight
// (22:00–02:00) or to 24:00: such a window belongs to the date it starts on.
import { RRule, rrulestr } from 'rrule';
import { IANAZone } from 'luxon';
import { addDays, isLocalDate, localDateOf, localDatesBetween, localWindow, minutesOf, type Window } from './local-time.ts';

export type { Window };

export type RuleKind = 'WEEKLY' | 'RECURRING';

export interface RuleShape {
  kind: RuleKind;
  /** ISO weekdays 1 (Monday) … 7 (Sunday); used by WEEKLY rules. */
  weekdays: number[];
  /** RFC 5545 RRULE without DTSTART (e.g. `FREQ=MONTHLY;BYDAY=1MO`); used by RECURRING rules. */
  rrule: string | null;
  /** Local wall-clock times, `HH:mm`; an end at or before the start is on the next day, `24:00` is midnight. */
  startTime: string;
  endTime: string;
  /** Local dates (`yyyy-MM-dd`), inclusive; validUntil null = open-ended. */
  validFrom: string;
  validUntil: string | null;
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const ALLOWED_FREQ = new Set([RRule.DAILY, RRule.WEEKLY, RRule.MONTHLY, RRule.YEARLY]);
/** RRULE parts that would set a time of day: times come from startTime/endTime, so these are refused. */
const TIME_PARTS = /(^|;)\s*(BYHOUR|BYMINUTE|BYSECOND)\s*=/i;

/** Returns a human message for the first problem with a rule, or null when it is well formed. */
export function ruleProblem(rule: RuleShape, zone: string): string | null {
  if (!IANAZone.isValidZone(zone)) return `Unknown time zone ${zone}`;
  if (!TIME.test(rule.startTime) || !(TIME.test(rule.endTime) || rule.endTime === '24:00')) return 'Times must be HH:mm (an end may be 24:00)';
  if (rule.endTime === rule.startTime) return 'The end time must differ from the start time (an end before the start runs past midnight)';
  if (!isLocalDate(rule.validFrom)) return 'validFrom must be a date (yyyy-MM-dd)';
  if (rule.validUntil !== null && (!isLocalDate(rule.validUntil) || rule.validUntil < rule.validFrom)) return 'validUntil must be a date on or after validFrom';
  if (rule.kind === 'WEEKLY') {
    if (!rule.weekdays.length || rule.weekdays.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) return 'weekdays must be ISO weekdays 1–7';
  } else {
    if (!rule.rrule || rule.rrule.length > 300) return 'A recurring rule needs an RRULE of at most 300 characters';
    if (/DTSTART|UNTIL|TZID/i.test(rule.rrule)) return 'Give validity with validFrom/validUntil, not inside the RRULE';
    if (TIME_PARTS.test(rule.rrule)) return 'BYHOUR, BYMINUTE and BYSECOND are not supported: the RRULE chooses dates; startTime and endTime give the hours';
    try {
      const options = RRule.parseString(rule.rrule);
      if (options.freq === undefined || !ALLOWED_FREQ.has(options.freq)) return 'RRULE FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY';
    } catch {
      return 'RRULE is malformed';
    }
  }
  return null;
}

/**
 * Local dates whose windows can reach [from, to]: from the day before the one containing `from` (an
 * overnight window starts there) to the one containing `to`. Memoised per (zone, first minute, last minute).
 */
const datesCache = new Map<string, string[]>();
export function localDates(zone: string, from: Date, to: Date): string[] {
  const key = `${zone}|${Math.floor(from.getTime() / 60_000)}|${Math.floor(to.getTime() / 60_000)}`;
  let dates = datesCache.get(key);
  if (!dates) {
    dates = [addDays(localDateOf(zone, from.getTime()), -1), ...localDatesBetween(zone, from.getTime(), to.getTime())];
    if (datesCache.size > 10_000) datesCache.clear();
    datesCache.set(key, dates);
  }
  return dates;
}

/** Floating-date trick: RRULE occurrences computed on UTC midnights stand for local dates. */
function recurringDates(rule: RuleShape, dates: string[]): Set<string> {
  const first = dates[0];
  const last = dates[dates.length - 1];
  if (!rule.rrule || !first || !last) return new Set();
  const [y, m, d] = rule.validFrom.split('-').map(Number) as [number, number, number];
  const set = rrulestr(rule.rrule, { dtstart: new Date(Date.UTC(y, m - 1, d)) });
  // Whole days: an occurrence at any time of the last date counts (stored rules may carry a time of day).
  const occurrences = set.between(new Date(`${first}T00:00:00Z`), new Date(`${last}T23:59:59.999Z`), true);
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

/** Working windows of one rule that overlap [from, to). */
export function expandRule(rule: RuleShape, zone: string, from: Date, to: Date): Window[] {
  const windows: Window[] = [];
  const startMinutes = minutesOf(rule.startTime);
  const endMinutes = minutesOf(rule.endTime);
  for (const date of ruleDates(rule, localDates(zone, from, to))) {
    const window = localWindow(zone, date, startMinutes, endMinutes);
    if (window && window.end > from.getTime() && window.start < to.getTime()) windows.push(window);
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
