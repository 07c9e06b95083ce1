// Who may touch an appointment: its patient, its doctor, or clinic staff (ADMIN/OPERATOR). Anyone else
// gets NOT_FOUND, so the existence of another patient's appointment is not revealed — and the attempt
// is audited as DENIED against the patient, so it shows in the patient's compliance report.
import type { Viewer } from '@clinic/service-kit';
import { notFound, recordAuditNow, requireUser } from '@clinic/service-kit';
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { AppointmentSchema, type Appointment } from '../entities/appointment.ts';
import { auditActor, isStaff, isUuid, type Actor } from '../actor.ts';

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
  if (!appointment || !party) {
    const error = notFound('Appointment');
    if (appointment) denials.set(error, { appointmentId: appointment.id, patientId: appointment.patientId });
    throw error;
  }
  return { appointment, party };
}

/** NOT_FOUND errors that hide an existing appointment from someone who takes no part in it. */
const denials = new WeakMap<object, { appointmentId: string; patientId: string }>();

/** Audits a refused access to an appointment (outside any transaction, so a rollback cannot lose it). */
export function auditDenied(em: EntityManager, actor: Actor, action: string, appointment: { id: string; patientId: string }): Promise<void> {
  return recordAuditNow(em, auditActor(actor), {
    action,
    resourceType: 'Appointment',
    resourceId: appointment.id,
    subjectUserId: appointment.patientId,
    outcome: 'DENIED',
  });
}

/** Runs a change; when it was refused because the caller takes no part in the appointment, audits the attempt after the rollback. */
export async function auditingDenial<T>(em: EntityManager, actor: Actor, action: string, change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (error) {
    const denied = typeof error === 'object' && error !== null ? denials.get(error) : undefined;
    if (denied) await auditDenied(em, actor, action, { id: denied.appointmentId, patientId: denied.patientId });
    throw error;
  }
}
