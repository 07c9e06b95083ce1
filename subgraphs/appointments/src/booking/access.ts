// Who may touch an appointment: its patient, its doctor, or clinic staff (ADMIN/OPERATOR). Anyone else
// gets NOT_FOUND, so the existence of another patient's appointment is not revealed.
import type { Viewer } from '@clinic/service-kit';
import { notFound, requireUser } from '@clinic/service-kit';
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { AppointmentSchema, type Appointment } from '../entities/appointment.ts';
import { isStaff, isUuid } from '../actor.ts';

export type Party = 'PATIENT' | 'DOCTOR' | 'STAFF';

export function partyOf(viewer: Viewer, appointment: Appointment): Party | null {
  if (viewer.kind !== 'user') return null;
  if (appointment.doctorId === viewer.userId) return 'DOCTOR';
  if (appointment.patientId === viewer.userId) return 'PATIENT';
  if (isStaff(viewer)) return 'STAFF';
  return null;
}

export function canSee(viewer: Viewer, appointment: Appointment): boolean {
  return partyOf(viewer, appointment) !== null;
}

/** Loads an appointment for a change, locked for the rest of the transaction. */
export async function loadForChange(tx: EntityManager, viewer: Viewer, id: string): Promise<{ appointment: Appointment; party: Party }> {
  requireUser(viewer);
  if (!isUuid(id)) throw notFound('Appointment');
  const appointment = await tx.findOne(AppointmentSchema, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  const party = appointment ? partyOf(viewer, appointment) : null;
  if (!appointment || !party) throw notFound('Appointment');
  return { appointment, party };
}
