// Local wall-clock times in a doctor's zone → UTC instants, by rules that never look at the server's clock.
// (luxon and Date read a local time by guessing the zone's offset *now*, so the repeated fall-back hour and
// the spring-forward gap came out differently in January and in July.) The rules, for every kind of rule:
//
// - A time that occurs once is that instant.
// - A time that occurs twice (the repeated fall-back hour) is its FIRST occurrence when it starts a window
//   or a day. When it ends a window, it is the occurrence (after the start) whose real distance from the
//   start is closest to the window's wall-clock length: 00:30–01:30 on a New York fall-back night is one
//   real hour, ending at the first 01:30 (ties: the earlier one).
// - A time that does not occur (the spring-forward gap, or a midnight that a zone skips) is the instant of
//   the jump, whether it starts or ends a window: a window 02:30–05:00 on a New York spring-forward day
//   starts at 03:00 EDT, one 00:00–02:30 ends at 03:00 EDT (= 02:00 EST), and a day that has no midnight
//   begins at the jump.
//
// A window's end on the next local date (working hours 22:00–02:00, or an end of 24:00) is read on that
// date. Offsets come from the IANA database through Intl (luxon's IANAZone), which depends only on the
// instant asked about. Dates are `yyyy-MM-dd` strings and times minutes since local midnight.
import { IANAZone } from 'luxon';

export interface Window {
  start: number;
  end: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

const zones = new Map<string, IANAZone>();
function zoneOf(name: string): IANAZone {
  let zone = zones.get(name);
  if (!zone) {
    zone = IANAZone.create(name);
    if (!zone.isValid) throw new Error(`Unknown time zone ${name}`);
    zones.set(name, zone);
  }
  return zone;
}

/** The zone's UTC offset at an instant, in ms (rounded: pre-1900 local mean times have odd seconds). */
export function offsetAt(zone: string, instant: number): number {
  return Math.round(zoneOf(zone).offset(instant) * MINUTE);
}

/** A wall-clock reading as epoch ms "as if UTC": the date at midnight plus the minutes. */
export function wallClock(date: string, minutes: number): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) + minutes * MINUTE;
}

/** What the zone's clock reads at an instant ("as if UTC"). */
export const readingAt = (zone: string, instant: number) => instant + offsetAt(zone, instant);

/** Local date (yyyy-MM-dd) in the zone at an instant. */
export const localDateOf = (zone: string, instant: number) => new Date(readingAt(zone, instant)).toISOString().slice(0, 10);

/** A real calendar date written yyyy-MM-dd (not 2027-02-30). */
export const isLocalDate = (value: unknown): value is string =>
  typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && addDays(value, 0) === value;

/** The date `days` after a yyyy-MM-dd date. */
export const addDays = (date: string, days: number) => new Date(wallClock(date, 0) + days * DAY).toISOString().slice(0, 10);

/**
 * Every instant at which the zone's clock reads `wall`: one, two (the repeated hour, earlier first), or
 * none, in which case `jump` is the instant the clock skipped over it.
 */
export type Readings = { instants: [number] | [number, number]; jump?: undefined } | { instants: []; jump: number };

export function readingsOf(zone: string, wall: number): Readings {
  // Offsets a day either side bound every offset that can apply (transitions are further apart than that).
  const offsets = new Set([offsetAt(zone, wall - DAY), offsetAt(zone, wall + DAY)]);
  for (const o of [...offsets]) offsets.add(offsetAt(zone, wall - o));
  const instants = [...new Set([...offsets].map((o) => wall - o))].filter((t) => readingAt(zone, t) === wall).sort((a, b) => a - b);
  if (instants.length === 1) return { instants: [instants[0]!] };
  if (instants.length >= 2) return { instants: [instants[0]!, instants[instants.length - 1]!] };
  return { instants: [], jump: jumpOver(zone, wall, Math.min(...offsets), Math.max(...offsets)) };
}

/** First instant whose reading is past `wall` (the transition that skipped it), to the second. */
function jumpOver(zone: string, wall: number, lowOffset: number, highOffset: number): number {
  let lo = Math.floor((wall - highOffset) / 1000); // reading before wall
  let hi = Math.ceil((wall - lowOffset) / 1000); // reading past wall
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (readingAt(zone, mid * 1000) > wall) hi = mid;
    else lo = mid;
  }
  return hi * 1000;
}

/** The instant a window (or a day) starting at this wall time starts: the first occurrence, or the jump. */
export function startInstant(zone: string, date: string, minutes: number): number {
  const r = readingsOf(zone, wallClock(date, minutes));
  return r.jump ?? r.instants[0];
}

/** The first instant of a local date (its midnight, or the jump when the zone skips midnight). */
export const startOfDay = (zone: string, date: string) => startInstant(zone, date, 0);

/** Parses `HH:mm` (00:00–24:00) into minutes since midnight. */
export function minutesOf(time: string): number {
  const [h, m] = time.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

const windowCache = new Map<string, Window | null>();

/**
 * The working window of a rule on a local date, or null when the clock change leaves nothing of it (both
 * ends inside one gap). `end` ≤ `start` (in minutes) means the window ends on the next date; 1440 is 24:00.
 * Memoised: many doctors share a zone and this is the costly part of a slot search.
 */
export function localWindow(zone: string, date: string, startMinutes: number, endMinutes: number): Window | null {
  const key = `${zone}|${date}|${startMinutes}|${endMinutes}`;
  const cached = windowCache.get(key);
  if (cached !== undefined) return cached;
  const start = startInstant(zone, date, startMinutes);
  const wallLength = (endMinutes > startMinutes ? endMinutes - startMinutes : endMinutes + 1440 - startMinutes) * MINUTE;
  const end = endInstant(readingsOf(zone, wallClock(date, startMinutes) + wallLength), start, wallLength);
  const window = end > start ? { start, end } : null;
  if (windowCache.size > 200_000) windowCache.clear();
  windowCache.set(key, window);
  return window;
}

function endInstant(r: Readings, start: number, wallLength: number): number {
  if (r.jump !== undefined) return r.jump;
  const after = r.instants.filter((t) => t > start);
  if (!after.length) return start;
  return after.reduce((best, t) => (Math.abs(t - start - wallLength) < Math.abs(best - start - wallLength) ? t : best));
}

/** Local dates from the one containing `from` to the one containing `to`, both inclusive. */
export function localDatesBetween(zone: string, from: number, to: number): string[] {
  const dates: string[] = [];
  const last = localDateOf(zone, to);
  for (let date = localDateOf(zone, from); date <= last; date = addDays(date, 1)) dates.push(date);
  return dates;
}

/** Local dates [first, last] in the zone as one UTC window: from the first's start to the day after last's. */
export function localDaysWindow(zone: string, first: string, last: string): Window {
  return { start: startOfDay(zone, first), end: startOfDay(zone, addDays(last, 1)) };
}
