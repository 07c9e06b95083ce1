// A user's appointments (as patient or as doctor), a page at a time, for many users in ONE SQL query:
// a LATERAL join runs the page query once per user, so every user gets their own limit (a patient
// batched with a busy doctor still gets their rows). Pages are keyed by (starts_at, id), newest first
// or next upcoming first; the cursor is that key, so paging returns every row exactly once.
import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput } from '@clinic/service-kit';
import { AppointmentSchema, type Appointment } from '../entities/appointment.ts';
import { isUuid } from '../actor.ts';

export type AppointmentOrder = 'NEWEST_FIRST' | 'UPCOMING_FIRST';

/** What every user of one query shares: the filter, the order, and whose appointments the viewer may see. */
export interface ListFilter {
  status: string[] | null;
  from: Date | null;
  to: Date | null;
  order: AppointmentOrder;
  /** Only appointments this user takes part in (a doctor looking at a patient); null: all of them. */
  involving: string | null;
}

/** What differs per user: whose list, how many, and where the previous page ended. */
export interface PageRequest {
  userId: string;
  first: number;
  after: string | null;
}

export interface AppointmentPage {
  appointments: Appointment[];
  endCursor: string | null;
  hasNextPage: boolean;
}

export function appointmentCursor(a: Pick<Appointment, 'startsAt' | 'id'>): string {
  return Buffer.from(`${a.startsAt.getTime()}|${a.id}`).toString('base64url');
}

export function parseAppointmentCursor(cursor: string): { startsAt: Date; id: string } {
  const [ms, id] = cursor.length <= 100 ? Buffer.from(cursor, 'base64url').toString('utf8').split('|') : [];
  if (!ms || !id || !/^\d{1,15}$/.test(ms) || !isUuid(id)) throw badUserInput('Malformed cursor', { field: 'after' });
  return { startsAt: new Date(Number(ms)), id };
}


const COLUMNS = ['id', 'doctor_id', 'patient_id', 'starts_at', 'ends_at', 'status', 'consultation_type', 'category', 'priority', 'emergency',
  'reason', 'requested_at', 'expires_at', 'decided_at', 'decided_by', 'updated_at'].map((c) => `x.${c}`).join(', ');

// Both branches walk an index — (patient_id, starts_at, id) and (doctor_id, starts_at, id) — forwards or
// backwards from the cursor (an index condition: no cursor is the infinite end, never a NULL test), and
// stop after `lim` rows each; the union keeps the user's first `lim` of both.
const page = (dir: 'asc' | 'desc') => {
  const cmp = dir === 'asc' ? '>' : '<';
  const branch = (column: string) => `(select ${COLUMNS} from "appointments" x
      where x.${column} = u.user_id
        and (x.starts_at, x.id) ${cmp} (u.after_at, u.after_id)
        and x.starts_at >= f.from_at and x.starts_at < f.to_at
        and (f.status is null or x.status = any (f.status))
        and (f.involving is null or x.patient_id = f.involving or x.doctor_id = f.involving)
      order by x.starts_at ${dir}, x.id ${dir} limit u.lim)`;
  return `select u.i as batch_index, a.*
    from json_to_recordset(?::json) as u(i int, user_id uuid, lim int, after_at timestamptz, after_id uuid)
    cross join (select ?::text[] as status, ?::timestamptz as from_at, ?::timestamptz as to_at, ?::uuid as involving) f
    cross join lateral (
      ${branch('patient_id')}
      union
      ${branch('doctor_id')}
      order by starts_at ${dir}, id ${dir} limit u.lim
    ) a
    order by u.i, a.starts_at ${dir}, a.id ${dir}`;
};
/** The page query per order (exported for the plan test). */
export const PAGE_SQL = { NEWEST_FIRST: page('desc'), UPCOMING_FIRST: page('asc') };
/** Where a first page starts: past every real key in the order's direction. */
const START = {
  NEWEST_FIRST: { at: 'infinity', id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' },
  UPCOMING_FIRST: { at: '-infinity', id: '00000000-0000-0000-0000-000000000000' },
};

/** A Postgres array literal; the values are AppointmentStatus names (GraphQL enum values), never free text. */
const pgArray = (values: string[] | null) => (values?.length ? `{${values.filter((v) => /^[A-Z_]+$/.test(v)).join(',')}}` : null);

/**
 * One query for every request in `pages` (all sharing `filter`), answered in the same order. UPCOMING_FIRST starts at `from`, or at
 * `now` when no `from` is given: the next appointment first.
 */
export async function listAppointmentPages(em: EntityManager, filter: ListFilter, pages: PageRequest[], now: Date): Promise<AppointmentPage[]> {
  const from = filter.from ?? (filter.order === 'UPCOMING_FIRST' ? now : null);
  const start = START[filter.order];
  const users = pages.map((p, i) => {
    const after = p.after ? parseAppointmentCursor(p.after) : null;
    return { i, user_id: p.userId, lim: p.first + 1, after_at: after?.startsAt.toISOString() ?? start.at, after_id: after?.id ?? start.id };
  });
  const params = [JSON.stringify(users), pgArray(filter.status), from?.toISOString() ?? '-infinity', filter.to?.toISOString() ?? 'infinity', filter.involving];
  const rows: (Record<string, unknown> & { batch_index: number })[] = users.length ? await em.execute(PAGE_SQL[filter.order], params) : [];
  const found: Appointment[][] = pages.map(() => []);
  for (const { batch_index: i, ...row } of rows) found[i]!.push(em.map(AppointmentSchema, row));
  return pages.map((p, i) => {
    const appointments = found[i]!.slice(0, p.first);
    const last = appointments[appointments.length - 1];
    return { appointments, endCursor: last ? appointmentCursor(last) : null, hasNextPage: found[i]!.length > p.first };
  });
}
