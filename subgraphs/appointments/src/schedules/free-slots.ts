// Free slots = rule windows + extra hours − breaks/days off/holidays − live appointments and held offers,
// within [minimum notice, horizon]. Pure: the caller loads rows (a fixed number of queries whatever the
// number of doctors) and this module does the arithmetic in epoch milliseconds. Exceptions given by local
// date are read here in each doctor's own zone (a clinic holiday on a date is a different span in each).
import { expandRule, slotsOfWindow, type RuleShape, type Window } from './weekly-rule.ts';
import { localDaysWindow } from './local-time.ts';

export type ExceptionKind = 'BREAK' | 'DAY_OFF' | 'HOLIDAY' | 'EXTRA_HOURS' | 'EMERGENCY';

export interface RuleInput extends RuleShape {
  doctorId: string;
  slotMinutes: number;
  bufferMinutes: number;
  consultationType: string;
}

export interface ExceptionInput {
  /** null: applies to every doctor (a clinic holiday). */
  doctorId: string | null;
  kind: ExceptionKind;
  start: number;
  end: number;
  /**
   * Local dates (yyyy-MM-dd, inclusive) in each doctor's own zone: the exception is those whole days there,
   * and start/end only bound it. Null for an exception given as instants.
   */
  startDate?: string | null;
  endDate?: string | null;
  /** EXTRA_HOURS / EMERGENCY: the slot shape and type offered in the window. */
  slotMinutes: number | null;
  consultationType: string | null;
}

export interface BusyInput {
  doctorId: string;
  start: number;
  end: number;
}

export interface Slot {
  doctorId: string;
  start: number;
  end: number;
  consultationType: string;
  /** Held back from patients: bookable by staff or for a priority request. */
  emergency: boolean;
}

export interface SlotQuery {
  doctors: { doctorId: string; timeZone: string }[];
  rules: RuleInput[];
  exceptions: ExceptionInput[];
  busy: BusyInput[];
  from: Date;
  to: Date;
  consultationType?: string | null;
  includeEmergency: boolean;
  now: Date;
  minNoticeMinutes: number;
  horizonDays: number;
  /** Only slots starting before this instant (a window of a progressive search); ends may run up to `to`. */
  startsBefore?: number;
}

/** Longest slot a rule may define (480 minutes). */
export const MAX_SLOT_MS = 8 * 3_600_000;

const SUBTRACTIVE = new Set<ExceptionKind>(['BREAK', 'DAY_OFF', 'HOLIDAY']);

const overlaps = (a: Window, b: Window) => a.start < b.end && b.start < a.end;

function groupBy<T>(items: T[], key: (item: T) => string | null): Map<string | null, T[]> {
  const map = new Map<string | null, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

export function freeSlots(q: SlotQuery): Slot[] {
  const earliest = Math.max(q.from.getTime(), q.now.getTime() + q.minNoticeMinutes * 60_000);
  const latest = Math.min(q.to.getTime(), q.now.getTime() + q.horizonDays * 86_400_000);
  if (earliest >= latest) return [];
  const startsBefore = Math.min(q.startsBefore ?? latest, latest);
  const from = new Date(earliest);
  // Rule windows are expanded a little past the start range so a slot starting near its end is whole.
  const to = new Date(Math.min(latest, startsBefore + MAX_SLOT_MS));
  const rulesByDoctor = groupBy(q.rules, (r) => r.doctorId);
  const exceptionsByDoctor = groupBy(q.exceptions, (e) => e.doctorId);
  const clinicWide = exceptionsByDoctor.get(null) ?? [];
  const busyByDoctor = groupBy(q.busy, (b) => b.doctorId);
  const result: Slot[] = [];

  for (const { doctorId, timeZone } of q.doctors) {
    const exceptions = [...(exceptionsByDoctor.get(doctorId) ?? []), ...clinicWide];
    const closed = exceptions.filter((e) => SUBTRACTIVE.has(e.kind)).map((e) => (e.startDate ? localDaysWindow(timeZone, e.startDate, e.endDate ?? e.startDate) : e));
    const emergency = exceptions.filter((e) => e.kind === 'EMERGENCY');
    const busy = (busyByDoctor.get(doctorId) ?? []).sort((a, b) => a.start - b.start);
    const candidates: Slot[] = [];

    for (const rule of rulesByDoctor.get(doctorId) ?? []) {
      if (q.consultationType && rule.consultationType !== q.consultationType) continue;
      for (const window of expandRule(rule, timeZone, from, to)) {
        for (const s of slotsOfWindow(window, rule.slotMinutes, rule.bufferMinutes)) {
          candidates.push({ doctorId, start: s.start, end: s.end, consultationType: rule.consultationType, emergency: false });
        }
      }
    }
    for (const extra of exceptions) {
      if (extra.kind !== 'EXTRA_HOURS' && extra.kind !== 'EMERGENCY') continue;
      const type = extra.consultationType ?? 'IN_PERSON';
      if (q.consultationType && type !== q.consultationType) continue;
      for (const s of slotsOfWindow(extra, extra.slotMinutes ?? 30, 0)) {
        candidates.push({ doctorId, start: s.start, end: s.end, consultationType: type, emergency: extra.kind === 'EMERGENCY' });
      }
    }

    const seen = new Set<string>();
    for (const slot of candidates) {
      if (slot.start < earliest || slot.start >= startsBefore || slot.end > latest) continue;
      if (closed.some((c) => overlaps(c, slot))) continue;
      if (!slot.emergency && emergency.some((e) => overlaps(e, slot))) slot.emergency = true;
      if (slot.emergency && !q.includeEmergency) continue;
      if (isBusy(busy, slot)) continue;
      const key = `${slot.start}|${slot.consultationType}`;
      if (seen.has(key)) continue;
      seen.add(key);
      result.push(slot);
    }
  }
  return result.sort((a, b) => a.start - b.start || compare(a.doctorId, b.doctorId) || compare(a.consultationType, b.consultationType));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Longest interval we ever hold (an appointment or an offer); bounds the backward scan. */
const MAX_BUSY_MS = 24 * 3_600_000;

/** Busy intervals are sorted by start: find the first starting at or after the slot's end, then look back. */
function isBusy(busy: BusyInput[], slot: Window): boolean {
  let lo = 0;
  let hi = busy.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (busy[mid]!.start < slot.end) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo - 1; i >= 0 && busy[i]!.start > slot.start - MAX_BUSY_MS; i--) if (busy[i]!.end > slot.start) return true;
  return false;
}
