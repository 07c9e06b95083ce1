// Changes after a request: cancel, reschedule, complete, no-show. Each runs in one transaction with
// the appointment row locked, checks who is asking and the clinic's deadlines (staff may override, and
// the override is recorded), writes history + outbox + audit, and offers a freed slot to the waiting list.
import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput, conflict, forbidden } from '@clinic/service-kit';
import type { Appointment } from '../entities/appointment.ts';
import type { Actor } from '../actor.ts';
import type { Clinic } from '../policy.ts';
import { freedSlotOf, offerFreedSlot } from '../waitlist/waitlist.ts';
import { auditingDenial, loadForChange, type Party } from './access.ts';
import { assertTransition } from './lifecycle.ts';
import { recordChange } from './record.ts';
import { autoApproves, findBookableSlot, slotTaken, validateReason } from './request-appointment.ts';

/** Inside the deadline a patient may not change an approved appointment; staff and the doctor may, recorded as an override. */
function checkDeadline(appointment: Appointment, party: Party, clinic: Clinic, override: boolean, reason: string | null): boolean {
  if (override && party === 'PATIENT') throw forbidden('Only staff or the doctor can override the clinic policy');
  if (override && !reason) throw badUserInput('An override needs a reason');
  if (appointment.status !== 'APPROVED') return false;
  const inside = appointment.startsAt.getTime() - clinic.now().getTime() < clinic.policy.changeDeadlineHours * 3_600_000;
  if (!inside) return false;
  if (!override) {
    throw conflict(`Changes within ${clinic.policy.changeDeadlineHours} hours of the start need staff`, { reason: 'DEADLINE_PASSED' });
  }
  return true;
}

export async function cancelAppointment(
  em: EntityManager,
  actor: Actor,
  clinic: Clinic,
  input: { id: string; reason?: string | null; override?: boolean | null },
): Promise<Appointment> {
  const reason = validateReason(input.reason);
  return auditingDenial(em, actor, 'appointment.cancel', () => em.transactional(async (tx) => {
    const { appointment, party } = await loadForChange(tx, actor.viewer, input.id);
    assertTransition(appointment.status, 'CANCELLED');
    const overridden = checkDeadline(appointment, party, clinic, !!input.override, reason);
    const from = appointment.status;
    const now = clinic.now();
    appointment.status = 'CANCELLED';
    appointment.updatedAt = now;
    recordChange(tx, actor, appointment, { action: 'cancelled', from, reason, policyOverride: overridden, at: now });
    await tx.flush();
    await offerFreedSlot(tx, clinic, freedSlotOf(appointment));
    return appointment;
  }));
}

export async function rescheduleAppointment(
  em: EntityManager,
  actor: Actor,
  clinic: Clinic,
  input: { id: string; startsAt: Date; reason?: string | null; override?: boolean | null },
): Promise<Appointment> {
  const reason = validateReason(input.reason);
  try {
    return await auditingDenial(em, actor, 'appointment.reschedule', () => em.transactional(async (tx) => {
      const { appointment, party } = await loadForChange(tx, actor.viewer, input.id);
      if (appointment.status !== 'REQUESTED' && appointment.status !== 'APPROVED') {
        throw conflict(`An appointment that is ${appointment.status} cannot be rescheduled`, { reason: 'INVALID_TRANSITION', from: appointment.status });
      }
      const now = clinic.now();
      if (appointment.startsAt <= now) throw conflict('Past appointments cannot be rescheduled', { reason: 'IN_THE_PAST' });
      const overridden = checkDeadline(appointment, party, clinic, !!input.override, reason);
      const slot = await findBookableSlot(tx, clinic, {
        doctorId: appointment.doctorId,
        startsAt: input.startsAt,
        consultationType: appointment.consultationType,
        includeEmergency: party !== 'PATIENT' || appointment.priority > 0,
        patientId: appointment.patientId,
        movingAppointmentId: appointment.id,
      });
      const freed = freedSlotOf(appointment);
      const previousStartsAt = appointment.startsAt;
      const previousEndsAt = appointment.endsAt;
      const from = appointment.status;
      appointment.startsAt = new Date(slot.start);
      appointment.endsAt = new Date(slot.end);
      appointment.updatedAt = now;
      // A patient moving an approved appointment asks the doctor again, unless the doctor auto-approves.
      if (party === 'PATIENT' && from === 'APPROVED' && !(await autoApproves(tx, appointment.doctorId, appointment.consultationType))) {
        appointment.status = 'REQUESTED';
        appointment.expiresAt = new Date(Math.min(appointment.startsAt.getTime(), now.getTime() + clinic.policy.requestTtlHours * 3_600_000));
      }
      recordChange(tx, actor, appointment, { action: 'rescheduled', from, reason, policyOverride: overridden, previousStartsAt, previousEndsAt, at: now });
      await tx.flush();
      await offerFreedSlot(tx, clinic, freed);
      return appointment;
    }));
  } catch (error) {
    throw slotTaken(error);
  }
}

/** The doctor (or staff) records how an approved appointment ended, once it has started. */
export async function closeAppointment(
  em: EntityManager,
  actor: Actor,
  clinic: Clinic,
  input: { id: string; outcome: 'COMPLETED' | 'NO_SHOW'; reason?: string | null },
): Promise<Appointment> {
  const reason = validateReason(input.reason);
  const action = input.outcome === 'COMPLETED' ? 'appointment.complete' : 'appointment.no_show';
  return auditingDenial(em, actor, action, () => em.transactional(async (tx) => {
    const { appointment, party } = await loadForChange(tx, actor.viewer, input.id);
    if (party === 'PATIENT') throw forbidden('Only the doctor or staff record the outcome of an appointment');
    assertTransition(appointment.status, input.outcome);
    const now = clinic.now();
    if (appointment.startsAt > now) throw conflict('The appointment has not started yet', { reason: 'NOT_STARTED' });
    appointment.status = input.outcome;
    appointment.updatedAt = now;
    recordChange(tx, actor, appointment, { action: input.outcome === 'COMPLETED' ? 'completed' : 'no_show', from: 'APPROVED', reason, at: now });
    await tx.flush();
    return appointment;
  }));
}
