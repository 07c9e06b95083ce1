// Slot search over the database: four queries whatever the number of doctors (doctors, their rules,
// exceptions, busy intervals), then the pure arithmetic of free-slots.ts. Used by search and by
// booking (to check that a requested time is a real slot).
import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput } from '@clinic/service-kit';
import { freeSlots, MAX_SLOT_MS, type BusyInput, type ExceptionInput, type RuleInput, type Slot } from './free-slots.ts';
import type { Clinic } from '../policy.ts';
import { directoryConditions } from '../directory/search-words.ts';

export interface SlotSearch {
  /** One doctor, or many filtered by the directory fields below. */
  doctorIds?: string[] | null;
  specialisation?: string | null;
  language?: string | null;
  /** One search box: a speciality in everyday words or a language, whichever the text names. */
  text?: string | null;
  consultationType?: string | null;
  from: Date;
  to: Date;
  includeEmergency: boolean;
  /** Skip live appointments and offers (to tell "not a slot" from "taken"). */
  ignoreBusy?: boolean;
  /** A waiting-list offer held for this patient does not block them. */
  offerHolderId?: string | null;
  /** The appointment being rescheduled does not block its own new time. */
  movingAppointmentId?: string | null;
}

export interface DoctorRow {
  doctorId: string;
  timeZone: string;
}

/** Postgres array literal for a `?::type[]` parameter (values are validated ids or short labels). */
export function pgArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

type Row = Record<string, unknown>;
const ms = (value: unknown) => new Date(value as string | Date).getTime();
/** The UTC date of an ISO instant moved by `days`: local dates differ from it by less than a day. */
const utcDate = (iso: string, days: number) => new Date(Date.parse(iso) + days * 86_400_000).toISOString().slice(0, 10);

export type DoctorFilter = Pick<SlotSearch, 'doctorIds' | 'specialisation' | 'language' | 'consultationType' | 'text'>;

export async function loadDoctors(em: EntityManager, s: DoctorFilter): Promise<DoctorRow[]> {
  const { where, params } = doctorConditions(s);
  const rows: Row[] = await em.execute(`select doctor_id, time_zone from doctor_directory where ${where.join(' and ')} order by doctor_id`, params);
  return rows.map((r) => ({ doctorId: r.doctor_id as string, timeZone: r.time_zone as string }));
}

/** Where-conditions on doctor_directory for a search's directory fields (active doctors only). */
export function doctorConditions(s: DoctorFilter): { where: string[]; params: unknown[] } {
  const where = ['active'];
  const params: unknown[] = [];
  if (s.doctorIds) {
    where.push('doctor_id = any(?::uuid[])');
    params.push(pgArray(s.doctorIds));
  }
  // Speciality and language by the words patients use (directory/search-words.ts).
  const words = directoryConditions(s);
  where.push(...words.where);
  params.push(...words.params);
  if (s.consultationType) {
    where.push('consultation_types @> ?::text[]');
    params.push(pgArray([s.consultationType]));
  }
  return { where, params };
}

export interface SlotPageRequest {
  /** Slots wanted after the cursor; the search returns up to limit + 1 (to tell whether more exist). */
  limit: number;
  /** Only slots sorting after this one. */
  after?: (slot: Slot) => boolean;
  afterStart?: number;
}

/**
 * Progressive windows: a page of the soonest slots rarely needs more than the first day, so busy time
 * and exceptions are read window by window (1 day, then 7, then the rest) and the search stops once the
 * page is full. At most 2 + 2×3 queries, whatever the number of doctors.
 */
const WINDOW_DAYS = [1, 7];

export async function searchFreeSlots(
  em: EntityManager,
  clinic: Clinic,
  s: SlotSearch,
  page?: SlotPageRequest,
): Promise<{ doctors: DoctorRow[]; slots: Slot[] }> {
  const days = (s.to.getTime() - s.from.getTime()) / 86_400_000;
  if (!(days > 0)) throw badUserInput('`to` must be after `from`');
  if (days > clinic.policy.maxSearchDays) throw badUserInput(`Search at most ${clinic.policy.maxSearchDays} days at once`);
  const doctors = await loadDoctors(em, s);
  if (!doctors.length) return { doctors, slots: [] };
  const ids = pgArray(doctors.map((d) => d.doctorId));
  // No rules is no early answer: extra and emergency hours are slots without any rule.
  const rules = await loadRules(em, ids, s.from, s.to);

  const slots: Slot[] = [];
  let windowStart = Math.max(s.from.getTime(), page?.afterStart ?? 0);
  for (let w = 0; windowStart < s.to.getTime(); w++) {
    const windowDays = page ? WINDOW_DAYS[w] : undefined;
    const windowEnd = windowDays ? Math.min(s.to.getTime(), windowStart + windowDays * 86_400_000) : s.to.getTime();
    const found = await slotsInWindow(em, clinic, s, { doctors, rules, ids, start: windowStart, end: windowEnd });
    for (const slot of found) if (!page?.after || page.after(slot)) slots.push(slot);
    if (page && slots.length > page.limit) break;
    windowStart = windowEnd;
  }
  return { doctors, slots };
}

async function slotsInWindow(
  em: EntityManager,
  clinic: Clinic,
  s: SlotSearch,
  w: { doctors: DoctorRow[]; rules: RuleInput[]; ids: string; start: number; end: number },
): Promise<Slot[]> {
  const { exceptions, busy } = await loadWindowInputs(em, s, w, clinic.now());
  return freeSlots({
    doctors: w.doctors,
    rules: w.rules,
    exceptions,
    busy,
    from: new Date(w.start),
    to: s.to,
    startsBefore: w.end,
    consultationType: s.consultationType,
    includeEmergency: s.includeEmergency,
    now: clinic.now(),
    minNoticeMinutes: clinic.policy.minNoticeMinutes,
    horizonDays: clinic.policy.horizonDays,
  });
}

/** A busy interval; a waiting-list hold also says when it stops holding. */
export interface HeldBusy extends BusyInput {
  expiresAt: number | null;
}

/**
 * Exceptions and busy time for slots starting in [w.start, w.end) (and ending by s.to): two queries for
 * any number of doctors. Holds count while they have not expired at `holdsAt`.
 */
export async function loadWindowInputs(
  em: EntityManager,
  s: Pick<SlotSearch, 'to' | 'ignoreBusy' | 'movingAppointmentId' | 'offerHolderId'>,
  w: { ids: string; start: number; end: number },
  holdsAt: Date,
): Promise<{ exceptions: ExceptionInput[]; busy: HeldBusy[] }> {
  // Slots start inside the window but may end after it: read busy time up to the longest slot beyond.
  const range = [new Date(w.start).toISOString(), new Date(Math.min(s.to.getTime(), w.end + MAX_SLOT_MS)).toISOString()];
  const [exceptionRows, busyRows] = await Promise.all([
    // Exceptions given as instants by their time range; those given as local dates by their dates, read in
    // each doctor's zone by freeSlots (a clinic-wide holiday is a different span of time in every zone).
    em.execute(
      `select doctor_id, kind, starts_at, ends_at, slot_minutes, consultation_type, start_date, end_date from schedule_exceptions
        where (doctor_id = any(?::uuid[]) or doctor_id is null) and tstzrange(starts_at, ends_at) && tstzrange(?::timestamptz, ?::timestamptz)
       union
       select doctor_id, kind, starts_at, ends_at, slot_minutes, consultation_type, start_date, end_date from schedule_exceptions
        where (doctor_id = any(?::uuid[]) or doctor_id is null) and start_date <= ? and end_date >= ?`,
      [w.ids, ...range, w.ids, utcDate(range[1]!, 1), utcDate(range[0]!, -1)],
    ) as Promise<Row[]>,
    s.ignoreBusy
      ? Promise.resolve([] as Row[])
      : (em.execute(
          `select doctor_id, starts_at, ends_at, null::timestamptz as expires_at from appointments
            where doctor_id = any(?::uuid[]) and status in ('REQUESTED','APPROVED') and during && tstzrange(?::timestamptz, ?::timestamptz)
              and id is distinct from ?::uuid
           union all
           select doctor_id, offer_starts_at, offer_ends_at, offer_expires_at from waitlist_entries
            where doctor_id = any(?::uuid[]) and status = 'OFFERED' and offer_expires_at > ?::timestamptz and patient_id is distinct from ?::uuid
              and offer_starts_at < ?::timestamptz and offer_ends_at > ?::timestamptz`,
          [w.ids, ...range, s.movingAppointmentId ?? null, w.ids, holdsAt.toISOString(), s.offerHolderId ?? null, range[1], range[0]],
        ) as Promise<Row[]>),
  ]);
  const exceptions: ExceptionInput[] = exceptionRows.map((r) => ({
    doctorId: r.doctor_id as string | null,
    kind: r.kind as ExceptionInput['kind'],
    start: ms(r.starts_at),
    end: ms(r.ends_at),
    startDate: r.start_date as string | null,
    endDate: r.end_date as string | null,
    slotMinutes: r.slot_minutes as number | null,
    consultationType: r.consultation_type as string | null,
  }));
  const busy: HeldBusy[] = busyRows.map((r) => ({
    doctorId: r.doctor_id as string,
    start: ms(r.starts_at),
    end: ms(r.ends_at),
    expiresAt: r.expires_at == null ? null : ms(r.expires_at),
  }));
  return { exceptions, busy };
}

/** Rules of these doctors that can apply between the two instants (four queries in all with the window's). */
export async function loadRules(em: EntityManager, ids: string, from: Date, to: Date): Promise<RuleInput[]> {
  // A rule's local dates can start up to a day before `from` in UTC terms, and one more for overnight hours.
  const fromDate = new Date(from.getTime() - 2 * 86_400_000).toISOString().slice(0, 10);
  const toDate = new Date(to.getTime() + 86_400_000).toISOString().slice(0, 10);
  const ruleRows: Row[] = await em.execute(
    `select doctor_id, kind, weekdays, rrule, start_time, end_time, valid_from, valid_until, slot_minutes, buffer_minutes, consultation_type
       from schedule_rules where doctor_id = any(?::uuid[]) and valid_from <= ? and (valid_until is null or valid_until >= ?)`,
    [ids, toDate, fromDate],
  );
  return ruleRows.map(toRule);
}

function toRule(r: Row): RuleInput {
  return {
    doctorId: r.doctor_id as string,
    kind: r.kind as RuleInput['kind'],
    weekdays: r.weekdays as number[],
    rrule: r.rrule as string | null,
    startTime: r.start_time as string,
    endTime: r.end_time as string,
    validFrom: r.valid_from as string,
    validUntil: r.valid_until as string | null,
    slotMinutes: r.slot_minutes as number,
    bufferMinutes: r.buffer_minutes as number,
    consultationType: r.consultation_type as string,
  };
}
