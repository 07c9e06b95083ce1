// Shapes the resolvers hand to GraphQL where they differ from stored rows.
import { badUserInput, checkTimeZone } from '@clinic/service-kit';
import type { Slot } from '../schedules/free-slots.ts';
import { localIso } from './local-iso.ts';
import type { Appointment } from '../entities/appointment.ts';
import type { ScheduleException } from '../entities/schedule.ts';

/** A reference to a user owned by identity; the router fetches the rest from there. */
export interface UserRef {
  id: string;
}

/** A slot as the answer shows it: plain properties (no resolver per field and slot), local times written once. */
export interface SlotView {
  doctor: UserRef;
  startsAt: Date;
  endsAt: Date;
  localStartsAt: string;
  localEndsAt: string;
  consultationType: string;
  emergency: boolean;
}

export interface ExceptionResultView {
  exception: ScheduleException;
  cancelled: Appointment[];
}

export interface SlotChangeView {
  doctorId: string;
  startsAt: string;
  endsAt: string;
  available: boolean;
}

/** A viewer's zone: an IANA name spelled as IANA spells it (UTC when not given); offsets are refused. */
export const checkedZone = (zone: string | null | undefined): string => checkTimeZone(zone ?? 'UTC');

export { localIso };

export const slotView = (slot: Slot, zone: string): SlotView => ({
  doctor: { id: slot.doctorId },
  startsAt: new Date(slot.start),
  endsAt: new Date(slot.end),
  localStartsAt: localIso(slot.start, zone),
  localEndsAt: localIso(slot.end, zone),
  consultationType: slot.consultationType,
  emergency: slot.emergency,
});

/** Opaque, stable cursor: the slot's sort key. */
export function slotCursor(slot: Slot): string {
  return Buffer.from(`${slot.start}|${slot.doctorId}|${slot.consultationType}`).toString('base64url');
}

export function parseCursor(cursor: string): [number, string, string] {
  const [start, doctorId, type] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!start || !doctorId || type === undefined || !Number.isFinite(Number(start))) throw badUserInput('Malformed cursor');
  return [Number(start), doctorId, type];
}

export function afterCursor(slot: Slot, cursor: [number, string, string]): boolean {
  if (slot.start !== cursor[0]) return slot.start > cursor[0];
  if (slot.doctorId !== cursor[1]) return slot.doctorId > cursor[1];
  return slot.consultationType > cursor[2];
}
