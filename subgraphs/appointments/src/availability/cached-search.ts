// Slot search that reads expanded availability instead of expanding it. A search reads its doctors with
// their availability versions (one query), then the (doctor, day) entries from the cache; only missing or
// no longer valid days are expanded (three more queries for all of them) and written back. What depends on
// the clock — minimum notice, horizon, a hold expiring — is applied on every read, never baked into an
// entry, so the clock cannot make an answer stale. Searches that are not the public one (ignoring busy
// time, a patient's own held offer, an appointment being moved) always expand afresh.
import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput, traceOfEntityManager } from '@clinic/service-kit';
import { freeSlots, MAX_SLOT_MS, type Slot } from '../schedules/free-slots.ts';
import { doctorConditions, loadRules, loadWindowInputs, pgArray, searchFreeSlots, type SlotPageRequest, type SlotSearch } from '../schedules/slot-search.ts';
import type { Clinic } from '../policy.ts';
import type { AvailabilityCache, DayEntry } from './day-cache.ts';

const DAY_MS = 86_400_000;

export interface VersionedDoctor {
  doctorId: string;
  timeZone: string;
  version: string;
  clinicVersion: string;
}

export interface CachedSearchResult {
  slots: Slot[];
  /**
   * With the same doctors and versions, the same search gives these slots until this instant (epoch ms): the
   * first slot entering the minimum notice, or a counted hold letting go. Absent when the answer moves with
   * the clock (the horizon cuts the search) or was not read from the cache.
   */
  stableUntil?: number;
}

export async function searchAvailability(
  em: EntityManager,
  clinic: Clinic,
  cache: AvailabilityCache | null,
  s: SlotSearch,
  page?: SlotPageRequest,
  /** The search's doctors and versions when the caller has read them already (the answer cache). */
  known?: VersionedDoctor[],
): Promise<CachedSearchResult> {
  if (!cache?.enabled || s.ignoreBusy || s.offerHolderId || s.movingAppointmentId) return searchFreeSlots(em, clinic, s, page);
  const days = (s.to.getTime() - s.from.getTime()) / DAY_MS;
  if (!(days > 0)) throw badUserInput('`to` must be after `from`');
  if (days > clinic.policy.maxSearchDays) throw badUserInput(`Search at most ${clinic.policy.maxSearchDays} days at once`);

  const doctors = known ?? (await loadVersionedDoctors(em, s));
  const now = clinic.now().getTime();
  const earliest = Math.max(s.from.getTime(), page?.afterStart ?? 0, now + clinic.policy.minNoticeMinutes * 60_000);
  const horizon = now + clinic.policy.horizonDays * DAY_MS;
  const latest = Math.min(s.to.getTime(), horizon);
  // Past the horizon, later instants see more slots: such an answer is never kept whole.
  const movesWithClock = horizon < s.to.getTime();
  if (!doctors.length || earliest >= latest) return { slots: [], stableUntil: movesWithClock ? undefined : Infinity };

  const lastDay = Math.floor((latest - 1) / DAY_MS);
  const slots: Slot[] = [];
  const wanted: Wanted = { earliest, latest, consultationType: s.consultationType ?? null, after: page?.after };
  let stableUntil = Infinity;
  for (let day = Math.floor(earliest / DAY_MS), step = 0; day <= lastDay; step++) {
    // A page reads the next 24 hours first (the rest of today and tomorrow: one round trip whatever the
    // hour), then spans that double; an unpaged search reads every day at once.
    const until = page ? Math.min(lastDay, step === 0 ? Math.floor((earliest + DAY_MS) / DAY_MS) : day + 2 ** step - 1) : lastDay;
    const cells = await daysOf(em, cache, doctors, day, until, s.includeEmergency, now);
    for (const cell of cells) if (cell.entry.validUntil !== null && cell.entry.validUntil < stableUntil) stableUntil = cell.entry.validUntil;
    collect(cells, wanted, slots, page ? page.limit + 1 : Infinity);
    if (page && slots.length > page.limit) break;
    day = until + 1;
  }
  // The soonest slot leaves the answer once it is inside the minimum notice (slots come sorted by start).
  if (slots.length) stableUntil = Math.min(stableUntil, slots[0]!.start - clinic.policy.minNoticeMinutes * 60_000 + 1);
  return { slots, stableUntil: movesWithClock ? undefined : stableUntil };
}

/** The doctors and versions an answer was computed from: equal fingerprints, equal inputs. */
export function availabilityFingerprint(doctors: VersionedDoctor[]): string {
  let text = doctors.length ? doctors[0]!.clinicVersion : '';
  for (const d of doctors) text += `|${d.doctorId}:${d.timeZone}:${d.version}`;
  return text;
}

interface Wanted {
  earliest: number;
  latest: number;
  consultationType: string | null;
  after?: (slot: Slot) => boolean;
}

interface Cell {
  doctor: VersionedDoctor;
  day: number;
  key: string;
  entry: DayEntry;
}

/**
 * The step's slots in the order a fresh search gives (start, doctor, consultation type), appended to `into`
 * until it holds `max`. Each cell's list is already in that order (the expansion sorts it), so the cells
 * are merged through a heap of their next slots: a page of 50 takes 51 slots off the heap and makes 51
 * objects, however many the cells hold. Two cells never tie: a doctor's cells are different days.
 */
function collect(cells: Cell[], wanted: Wanted, into: Slot[], max: number): void {
  const next = new Array<number>(cells.length).fill(0);
  const flat = (c: number) => cells[c]!.entry.slots;
  /** Moves cell c to its next slot that passes the cheap tests; false when it has none left. */
  const advance = (c: number): boolean => {
    const list = flat(c);
    let i = next[c]!;
    while (
      i < list.length &&
      ((list[i] as number) < wanted.earliest || (list[i + 1] as number) > wanted.latest || (wanted.consultationType !== null && list[i + 2] !== wanted.consultationType))
    ) {
      i += 4;
    }
    next[c] = i;
    return i < list.length;
  };
  const before = (a: number, b: number): boolean => {
    const x = flat(a), y = flat(b), i = next[a]!, j = next[b]!;
    const byStart = (x[i] as number) - (y[j] as number);
    if (byStart !== 0) return byStart < 0;
    const byDoctor = compare(cells[a]!.doctor.doctorId, cells[b]!.doctor.doctorId);
    if (byDoctor !== 0) return byDoctor < 0;
    return compare(x[i + 2] as string, y[j + 2] as string) < 0;
  };
  const heap: number[] = [];
  const siftDown = (at: number) => {
    for (;;) {
      const l = 2 * at + 1, r = l + 1;
      let least = at;
      if (l < heap.length && before(heap[l]!, heap[least]!)) least = l;
      if (r < heap.length && before(heap[r]!, heap[least]!)) least = r;
      if (least === at) return;
      [heap[at], heap[least]] = [heap[least]!, heap[at]!];
      at = least;
    }
  };
  for (let c = 0; c < cells.length; c++) if (advance(c)) heap.push(c);
  for (let at = (heap.length >> 1) - 1; at >= 0; at--) siftDown(at);
  while (heap.length && into.length < max) {
    const c = heap[0]!;
    const list = flat(c), i = next[c]!;
    const slot: Slot = { doctorId: cells[c]!.doctor.doctorId, start: list[i] as number, end: list[i + 1] as number, consultationType: list[i + 2] as string, emergency: list[i + 3] === 1 };
    next[c] = i + 4;
    if (!advance(c)) {
      heap[0] = heap[heap.length - 1]!;
      heap.pop();
    }
    siftDown(0);
    if (!wanted.after || wanted.after(slot)) into.push(slot);
  }
}

export async function loadVersionedDoctors(em: EntityManager, s: SlotSearch): Promise<VersionedDoctor[]> {
  const { where, params } = doctorConditions(s);
  const rows: { doctor_id: string; time_zone: string; version: string | null; clinic_version: string }[] = await em.execute(
    `select d.doctor_id, d.time_zone, v.version,
            (select version from availability_versions where doctor_id = '00000000-0000-0000-0000-000000000000') as clinic_version
       from (select doctor_id, time_zone from doctor_directory where ${where.join(' and ')}) d
       left join availability_versions v on v.doctor_id = d.doctor_id
      order by d.doctor_id`,
    params,
  );
  return rows.map((r) => ({ doctorId: r.doctor_id, timeZone: r.time_zone, version: String(r.version ?? 0), clinicVersion: String(r.clinic_version) }));
}

/** Every doctor's entries for days [first, last] (UTC day numbers): one MGET, then one expansion for the misses. */
async function daysOf(
  em: EntityManager,
  cache: AvailabilityCache,
  doctors: VersionedDoctor[],
  first: number,
  last: number,
  includeEmergency: boolean,
  now: number,
): Promise<Cell[]> {
  const cells: { doctor: VersionedDoctor; day: number; key: string; entry: DayEntry | null }[] = [];
  for (const doctor of doctors) {
    for (let day = first; day <= last; day++) {
      cells.push({ doctor, day, key: cache.key(doctor.doctorId, doctor.timeZone, day, includeEmergency, doctor.version, doctor.clinicVersion), entry: null });
    }
  }
  const entries = await cache.read(cells.map((c) => c.key), now, traceOfEntityManager(em));
  cells.forEach((c, i) => (c.entry = entries[i]!));
  const missing = cells.filter((c) => !c.entry);
  if (missing.length) {
    const fresh = await expandDays(em, missing, includeEmergency, now);
    for (const c of missing) c.entry = fresh.get(`${c.doctor.doctorId}|${c.day}`)!;
    await cache.write(missing.map((c) => [c.key, c.entry!]), traceOfEntityManager(em));
  }
  return cells as Cell[];
}

/**
 * The expansion itself, for the missing (doctor, day) cells at once: the same rules, exceptions, busy time
 * and arithmetic as a fresh search, but with no notice or horizon (applied on read) and every
 * consultation type (filtered on read).
 */
async function expandDays(
  em: EntityManager,
  cells: { doctor: VersionedDoctor; day: number }[],
  includeEmergency: boolean,
  now: number,
): Promise<Map<string, DayEntry>> {
  const doctors = [...new Map(cells.map((c) => [c.doctor.doctorId, { doctorId: c.doctor.doctorId, timeZone: c.doctor.timeZone }])).values()];
  const start = Math.min(...cells.map((c) => c.day)) * DAY_MS;
  const end = (Math.max(...cells.map((c) => c.day)) + 1) * DAY_MS;
  const to = new Date(end + MAX_SLOT_MS);
  const ids = pgArray(doctors.map((d) => d.doctorId));
  const [rules, { exceptions, busy }] = await Promise.all([
    loadRules(em, ids, new Date(start), to),
    loadWindowInputs(em, { to }, { ids, start, end }, new Date(now)),
  ]);
  const slots = freeSlots({
    doctors,
    rules,
    exceptions,
    busy,
    from: new Date(start),
    to,
    startsBefore: end,
    includeEmergency,
    now: new Date(0),
    minNoticeMinutes: 0,
    horizonDays: Number.MAX_SAFE_INTEGER / DAY_MS,
  });
  const result = new Map<string, DayEntry>();
  for (const c of cells) {
    const dayStart = c.day * DAY_MS;
    // Holds that can touch a slot of this day: the entry is good until the first of them lets go.
    const expiries = busy
      .filter((b) => b.doctorId === c.doctor.doctorId && b.expiresAt !== null && b.start < dayStart + DAY_MS + MAX_SLOT_MS && b.end > dayStart)
      .map((b) => b.expiresAt!);
    result.set(`${c.doctor.doctorId}|${c.day}`, { computedAt: now, validUntil: expiries.length ? Math.min(...expiries) : null, slots: [] });
  }
  for (const slot of slots) {
    const entry = result.get(`${slot.doctorId}|${Math.floor(slot.start / DAY_MS)}`);
    entry?.slots.push(slot.start, slot.end, slot.consultationType, slot.emergency ? 1 : 0);
  }
  return result;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
