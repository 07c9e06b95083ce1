// The booking (or change) in progress, kept in the user's context between turns and sessions:
// what → who → when → which slot → reason → confirm. Plain data (stored as JSON).
import type { FreeSlot, PatientAppointment } from '../clinic-api/clinic-api.ts';

export type FlowKind = 'BOOK' | 'RESCHEDULE' | 'CANCEL';
export type FlowStep = 'WHICH_APPOINTMENT' | 'WHAT' | 'WHEN' | 'SLOT' | 'REASON' | 'CONFIRM';

export interface Flow {
  kind: FlowKind;
  step: FlowStep;
  speciality: string | null;
  doctorId: string | null;
  date: string | null;
  time: string | null;
  partOfDay: string | null;
  offered: FreeSlot[];
  chosen: FreeSlot | null;
  reason: string | null;
  appointment: PatientAppointment | null;
  appointments: PatientAppointment[];
}

export const newFlow = (kind: FlowKind): Flow => ({
  kind,
  step: kind === 'BOOK' ? 'WHAT' : 'WHICH_APPOINTMENT',
  speciality: null,
  doctorId: null,
  date: null,
  time: null,
  partOfDay: null,
  offered: [],
  chosen: null,
  reason: null,
  appointment: null,
  appointments: [],
});
