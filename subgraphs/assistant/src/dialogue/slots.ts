// Slot recommendations: search the doctor's (or speciality's) free time around what the patient said and
// rank it — exact time asked, part of day asked, their usual doctor, then earliest — keeping the best three.
import { DateTime } from 'luxon';
import type { ApiResult, ClinicApi, FreeSlot } from '../clinic-api/clinic-api.ts';
import { PART_OF_DAY_HOURS, type PartOfDay } from '../understanding/dates.ts';
import type { Flow } from './flow.ts';

export interface Preferences {
  zone: string;
  usualDoctorId: string | null;
  now: Date;
}

function windowOf(flow: Flow, prefs: Preferences): { from: Date; to: Date } {
  const now = DateTime.fromJSDate(prefs.now);
  if (!flow.date) return { from: now.toJSDate(), to: now.plus({ days: 14 }).toJSDate() };
  const day = DateTime.fromISO(flow.date, { zone: prefs.zone });
  const from = DateTime.max(day.startOf('day'), now);
  return { from: from.toJSDate(), to: day.endOf('day').toJSDate() };
}

function score(slot: FreeSlot, flow: Flow, prefs: Preferences): number {
  const local = DateTime.fromISO(slot.startsAt, { zone: prefs.zone });
  let s = 0;
  if (flow.time) {
    const [h, m] = flow.time.split(':').map(Number) as [number, number];
    s -= Math.abs(local.hour * 60 + local.minute - (h * 60 + m)) / 10;
  }
  if (flow.partOfDay) {
    const [start, end] = PART_OF_DAY_HOURS[flow.partOfDay as PartOfDay];
    if (local.hour >= start && local.hour < end) s += 50;
  }
  if (prefs.usualDoctorId && slot.doctorId === prefs.usualDoctorId) s += 5;
  return s - (Date.parse(slot.startsAt) - prefs.now.getTime()) / 86_400_000 / 10;
}

export async function bestSlots(api: ClinicApi, flow: Flow, prefs: Preferences): Promise<ApiResult<FreeSlot[]>> {
  const { from, to } = windowOf(flow, prefs);
  const found = await api.searchSlots({
    ...(flow.doctorId ? { doctorIds: [flow.doctorId] } : {}),
    ...(!flow.doctorId && flow.speciality ? { specialisation: flow.speciality } : {}),
    from,
    to,
    timeZone: prefs.zone,
    first: 200,
  });
  if (!found.ok) return found;
  const ranked = [...found.data].sort((a, b) => score(b, flow, prefs) - score(a, flow, prefs));
  return { ok: true, data: ranked.slice(0, 3) };
}
