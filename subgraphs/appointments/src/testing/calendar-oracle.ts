// Test-only oracle for the calendar tests: what a schedule rule's slots on one local date must be, computed
// with the Temporal polyfill (@js-temporal/polyfill, a devDependency), never with the product's own code. It
// states the documented rules in Temporal's terms: a start in the repeated hour is `earlier`; a start or
// end in a gap is the zone transition that skipped it; an end in the repeated hour is whichever of
// `earlier`/`later` (after the start) keeps the real length closest to the wall-clock length.
// It also lists a zone's transitions, from which the calendar cases are built around each change.
import { Temporal } from '@js-temporal/polyfill';

export interface CalendarCase {
  name: string;
  zone: string;
  /** The local date the window starts on. */
  date: string;
  startTime: string;
  /** HH:mm; at or before startTime = the next day; 24:00 = end of the day. */
  endTime: string;
  slotMinutes: number;
  bufferMinutes: number;
  kind: 'WEEKLY' | 'RECURRING';
}

export interface Transition {
  zone: string;
  /** Epoch ms of the change. */
  at: number;
  /** Wall clock just before and right after, as PlainDateTimes. */
  wallBefore: Temporal.PlainDateTime;
  wallAfter: Temporal.PlainDateTime;
}

const plain = (date: string, time: string) =>
  time === '24:00' ? Temporal.PlainDate.from(date).add({ days: 1 }).toPlainDateTime('00:00') : Temporal.PlainDate.from(date).toPlainDateTime(time);

/** The instant a wall time means, by the documented rules; `role` says whether it starts or ends a window. */
function instantOf(zone: string, wall: Temporal.PlainDateTime, role: { start: true } | { start: false; from: number; wallLength: number }): number {
  const earlier = wall.toZonedDateTime(zone, { disambiguation: 'earlier' });
  const later = wall.toZonedDateTime(zone, { disambiguation: 'later' });
  if (earlier.epochMilliseconds === later.epochMilliseconds) return earlier.epochMilliseconds;
  const repeated = Temporal.PlainDateTime.compare(earlier.toPlainDateTime(), wall) === 0;
  if (!repeated) return earlier.getTimeZoneTransition('next')!.epochMilliseconds; // the gap: the jump
  if (role.start) return earlier.epochMilliseconds;
  const options = [earlier.epochMilliseconds, later.epochMilliseconds].filter((t) => t > role.from);
  if (!options.length) return role.from;
  return options.reduce((best, t) => (Math.abs(t - role.from - role.wallLength) < Math.abs(best - role.from - role.wallLength) ? t : best));
}

/** The case's working window in epoch ms, or null when nothing is left of it. */
export function oracleWindow(c: Pick<CalendarCase, 'zone' | 'date' | 'startTime' | 'endTime'>): { start: number; end: number } | null {
  const startWall = plain(c.date, c.startTime);
  let endWall = plain(c.date, c.endTime);
  if (Temporal.PlainDateTime.compare(endWall, startWall) <= 0) endWall = endWall.add({ days: 1 });
  const wallLength = startWall.until(endWall, { largestUnit: 'minutes' }).total('milliseconds');
  const start = instantOf(c.zone, startWall, { start: true });
  const end = instantOf(c.zone, endWall, { start: false, from: start, wallLength });
  return end > start ? { start, end } : null;
}

/** Start instants (epoch ms) of the case's slots: cut in real time from the window's start. */
export function oracleSlots(c: CalendarCase): number[] {
  const window = oracleWindow(c);
  const starts: number[] = [];
  if (!window) return starts;
  const length = c.slotMinutes * 60_000;
  for (let t = window.start; t + length <= window.end; t += (c.slotMinutes + c.bufferMinutes) * 60_000) starts.push(t);
  return starts;
}

/** The first instant of a local date (its midnight, or the jump when the zone skips it). */
export function oracleStartOfDay(zone: string, date: string): number {
  return instantOf(zone, Temporal.PlainDate.from(date).toPlainDateTime('00:00'), { start: true });
}

/** Offset changes of a zone between two instants (ISO strings with Z). */
export function transitions(zone: string, fromIso: string, toIso: string): Transition[] {
  const found: Transition[] = [];
  const end = Temporal.Instant.from(toIso).epochMilliseconds;
  let t: Temporal.ZonedDateTime | null = Temporal.Instant.from(fromIso).toZonedDateTimeISO(zone);
  for (let i = 0; i < 50 && t; i++) {
    t = t.getTimeZoneTransition('next');
    if (!t || t.epochMilliseconds >= end) break;
    found.push({ zone, at: t.epochMilliseconds, wallBefore: t.subtract({ nanoseconds: 1 }).toPlainDateTime().round({ smallestUnit: 'minute', roundingMode: 'ceil' }), wallAfter: t.toPlainDateTime() });
  }
  return found;
}

const hhmm = (w: Temporal.PlainDateTime) => w.toPlainTime().toString({ smallestUnit: 'minute' });

/** A window between two wall times as a case (null when it would not be a valid rule: ≥ 24 h or empty). */
function caseOf(name: string, zone: string, from: Temporal.PlainDateTime, to: Temporal.PlainDateTime, slot: [number, number], kind: CalendarCase['kind']): CalendarCase | null {
  const minutes = from.until(to, { largestUnit: 'minutes' }).total('minutes');
  if (minutes <= 0 || minutes >= 24 * 60) return null;
  const endsAtMidnight = to.toPlainTime().equals(Temporal.PlainTime.from('00:00')) && !to.toPlainDate().equals(from.toPlainDate());
  return {
    name, zone, date: from.toPlainDate().toString(), startTime: hhmm(from), endTime: endsAtMidnight && minutes > 0 && hhmm(from) !== '00:00' ? '24:00' : hhmm(to),
    slotMinutes: slot[0], bufferMinutes: slot[1], kind,
  };
}

/**
 * Rule windows placed around one transition: starting or ending inside the gap or the repeated hour, across
 * it, inside it, overnight across it, and the whole day, with slot shapes that expose a shifted grid.
 */
export function casesAround(tr: Transition): CalendarCase[] {
  const before = tr.wallBefore;
  const after = tr.wallAfter;
  const forward = Temporal.PlainDateTime.compare(after, before) > 0; // spring forward: a gap [before, after)
  const [lo, hi] = forward ? [before, after] : [after, before];
  const mid = lo.add({ minutes: Math.round(lo.until(hi).total('minutes') / 2) });
  const label = `${tr.zone} ${forward ? 'gap' : 'repeat'} ${lo.toString({ smallestUnit: 'minute' })}–${hhmm(hi)}`;
  const day = lo.toPlainDate();
  const shapes: [string, Temporal.PlainDateTime, Temporal.PlainDateTime, [number, number]][] = [
    ['across', lo.subtract({ hours: 2 }), hi.add({ hours: 2 }), [30, 0]],
    ['across, 20+5 min', lo.subtract({ minutes: 90 }), hi.add({ minutes: 100 }), [20, 5]],
    ['starts mid', mid, hi.add({ hours: 3 }), [30, 0]],
    ['starts at its first minute', lo, hi.add({ hours: 2 }), [45, 0]],
    ['ends mid', lo.subtract({ hours: 2 }), mid, [15, 0]],
    ['ends at its edge', lo.subtract({ hours: 3 }), hi, [30, 0]],
    ['inside', lo.add({ minutes: Math.min(10, lo.until(mid).total('minutes')) }), mid.add({ minutes: 10 }), [10, 0]],
    ['overnight 22:00–02:00 before', day.subtract({ days: 1 }).toPlainDateTime('22:00'), day.toPlainDateTime('02:00'), [30, 0]],
    ['whole day to 24:00', day.toPlainDateTime('00:00'), day.add({ days: 1 }).toPlainDateTime('00:00'), [60, 0]],
  ];
  const cases: CalendarCase[] = [];
  shapes.forEach(([shape, from, to, slot], i) => {
    const c = caseOf(`${label}: ${shape}`, tr.zone, from, to, slot, i % 3 === 2 ? 'RECURRING' : 'WEEKLY');
    if (c) cases.push(c);
  });
  return cases;
}
