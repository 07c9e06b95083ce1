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

/**
 * A slot as the answer shows it: GraphQL's default resolvers read these properties (no resolver of ours per
 * field and slot), and a field the query does not ask for (often localEndsAt) is never computed.
 */
export class SlotView {
  constructor(
    private readonly slot: Slot,
    private readonly zone: string,
  ) {}

  get doctor(): UserRef {
    return { id: this.slot.doctorId };
  }
  get startsAt(): Date {
    return new Date(this.slot.start);
  }
  get endsAt(): Date {
    return new Date(this.slot.end);
  }
  get localStartsAt(): string {
    return localIso(this.slot.start, this.zone);
  }
  get localEndsAt(): string {
    return localIso(this.slot.end, this.zone);
  }
  get consultationType(): string {
    return this.slot.consultationType;
  }
  get emergency(): boolean {
    return this.slot.emergency;
  }
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

export const slotView = (slot: Slot, zone: string): SlotView => new SlotView(slot, zone);

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
