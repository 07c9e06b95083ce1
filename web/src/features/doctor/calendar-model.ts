// The doctor's calendar as a grid of time cells (rows: times of day, columns: days), all in the doctor's
// own zone. Each cell says what that time is: booked (an appointment), a break, blocked (day off,
// holiday), free (a patient can book it), working (in the hours but not bookable now: past or too
// soon), or off. Pure: the page gathers the data, this decides what each cell shows.
import { addLocalDays, isoWeekday, minutesOf, zonedInstant, zonedParts } from '../../lib/zoned.ts';

export type CellKind = 'booked' | 'break' | 'blocked' | 'free' | 'working' | 'off';

export interface CalendarRule {
  kind: string;
  weekdays: number[];
  startTime: string;
  endTime: string;
  validFrom: string;
  validUntil?: string | null;
  slotMinutes: number;
}

export interface CalendarAppointment {
  id: string;
  status: string;
  startsAt: string;
  endsAt: string;
  patient: { displayName: string };
}

export interface CalendarException {
  id: string;
  kind: string;
  startsAt: string;
  endsAt: string;
  startDate?: string | null;
  endDate?: string | null;
  label?: string | null;
}

export interface Cell {
  row: number;
  col: number;
  date: string;
  /** Minutes after local midnight. */
  start: number;
  end: number;
  startsAt: Date;
  endsAt: Date;
  kind: CellKind;
  past: boolean;
  appointment?: CalendarAppointment;
  exception?: CalendarException;
}

export interface CalendarGridModel {
  step: number;
  days: string[];
  /** Start minute of each row. */
  rows: number[];
  /** cells[row][col]. */
  cells: Cell[][];
}

const REMOVES_TIME: Record<string, CellKind> = { BREAK: 'break', DAY_OFF: 'blocked', HOLIDAY: 'blocked' };
const overlaps = (a0: number, a1: number, b0: number, b1: number) => a0 < b1 && b0 < a1;

function ruleApplies(rule: CalendarRule, date: string): boolean {
  if (rule.kind !== 'WEEKLY' || !rule.weekdays.includes(isoWeekday(date))) return false;
  return rule.validFrom <= date && (!rule.validUntil || date <= rule.validUntil);
}

/** A rule's local window on a day (an end at or before the start runs to midnight on this day). */
function window(rule: CalendarRule): [number, number] {
  const start = minutesOf(rule.startTime);
  const end = minutesOf(rule.endTime);
  return [start, end > start ? end : 1440];
}

export function buildCalendar(input: {
  zone: string;
  days: string[];
  rules: CalendarRule[];
  free: { startsAt: string; endsAt: string }[];
  appointments: CalendarAppointment[];
  exceptions: CalendarException[];
  now: Date;
}): CalendarGridModel {
  const { zone, days } = input;
  const steps = input.rules.map((r) => r.slotMinutes).filter((m) => m >= 15);
  const step = Math.min(60, steps.length ? Math.min(...steps) : 30);
  // The visible hours: every working window, appointment and free time of these days, else 08:00–18:00.
  const dayOf = new Set(days);
  const marks: number[] = [];
  for (const d of days) for (const r of input.rules) if (ruleApplies(r, d)) marks.push(...window(r));
  for (const t of [...input.appointments, ...input.free]) {
    const s = zonedParts(t.startsAt, zone);
    const e = zonedParts(t.endsAt, zone);
    if (dayOf.has(s.date)) marks.push(s.minutes, e.date === s.date ? e.minutes : 1440);
  }
  const first = marks.length ? Math.floor(Math.min(...marks) / step) * step : 8 * 60;
  const last = marks.length ? Math.ceil(Math.max(...marks) / step) * step : 18 * 60;
  const rows: number[] = [];
  for (let m = first; m < last; m += step) rows.push(m);

  const timed = <T extends { startsAt: string; endsAt: string }>(xs: T[]) => xs.map((x) => ({ x, from: Date.parse(x.startsAt), to: Date.parse(x.endsAt) }));
  const appointments = timed(input.appointments);
  const exceptions = timed(input.exceptions);
  const free = timed(input.free);
  const now = input.now.getTime();

  const cells = rows.map((start, row) =>
    days.map((date, col): Cell => {
      const end = start + step;
      const startsAt = zonedInstant(date, clockOf(start), zone);
      const endsAt = end >= 1440 ? zonedInstant(addLocalDays(date, 1), '00:00', zone) : zonedInstant(date, clockOf(end), zone);
      const [a, b] = [startsAt.getTime(), endsAt.getTime()];
      const cell: Cell = { row, col, date, start, end, startsAt, endsAt, kind: 'off', past: a < now };
      const booked = appointments.find((t) => overlaps(a, b, t.from, t.to));
      const removed = exceptions.find((t) => REMOVES_TIME[t.x.kind] && overlaps(a, b, t.from, t.to));
      if (booked) return { ...cell, kind: 'booked', appointment: booked.x };
      if (removed) return { ...cell, kind: REMOVES_TIME[removed.x.kind]!, exception: removed.x };
      if (free.some((t) => overlaps(a, b, t.from, t.to))) return { ...cell, kind: 'free' };
      const extra = exceptions.some((t) => !REMOVES_TIME[t.x.kind] && overlaps(a, b, t.from, t.to));
      const working = extra || input.rules.some((r) => ruleApplies(r, date) && overlaps(start, end, ...window(r)));
      return { ...cell, kind: working ? 'working' : 'off' };
    }),
  );
  return { step, days, rows, cells };
}

const clockOf = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** Cells of one day from row `a` to row `b` (either order), as one span of time. */
export function spanOf(model: CalendarGridModel, col: number, a: number, b: number): { cells: Cell[]; startsAt: Date; endsAt: Date; date: string; start: number; end: number } {
  const [lo, hi] = a <= b ? [a, b] : [b, a];
  const cells = model.cells.slice(lo, hi + 1).map((r) => r[col]!);
  return { cells, startsAt: cells[0]!.startsAt, endsAt: cells.at(-1)!.endsAt, date: cells[0]!.date, start: cells[0]!.start, end: cells.at(-1)!.end };
}

/** Whether time can be taken out here: not past, not booked, not already a break or blocked. */
export const canBlock = (cell: Cell) => !cell.past && (cell.kind === 'free' || cell.kind === 'working' || cell.kind === 'off');
