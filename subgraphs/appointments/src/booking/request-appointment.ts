// A patient (or staff for a patient) requests a slot. The slot must be one the doctor's schedule offers;
// whether it is still free is decided by Postgres: the exclusion constraints refuse an overlapping live
// appointment of the same doctor or patient, so concurrent requests cannot both win.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput, conflict, forbidden, notFound, pgErrorCode, requireActiveUsers, requireUser, type ActiveUsers } from '@clinic/service-kit';
import { AppointmentSchema, type Appointment, type AppointmentCategory } from '../entities/appointment.ts';
import { DoctorSettingsSchema } from '../entities/doctor.ts';
import { isStaff, isUuid, type Actor } from '../actor.ts';
import { searchFreeSlots } from '../schedules/slot-search.ts';
import type { Clinic } from '../policy.ts';
import { recordChange } from './record.ts';

export const CATEGORIES: AppointmentCategory[] = ['ROUTINE', 'FOLLOW_UP', 'CONSULTATION', 'URGENT'];
export const MAX_REASON_LENGTH = 2000;

export interface AppointmentRequest {
  doctorId: string;
  startsAt: Date;
  consultationType?: string | null;
  category: AppointmentCategory;
  reason?: string | null;
  /** Staff booking for a patient; patients always book for themselves. */
  patientId?: string | null;
  /** The patient's documents to attach (the documents service attaches only the patient's own). */
  documentIds?: string[] | null;
}

/** Turns the constraint violations (and the deadlock concurrent overlapping inserts can raise) into CONFLICT. */
export function slotTaken(error: unknown): Error {
  const code = pgErrorCode(error);
  if (code === '23P01' && constraintOf(error) === 'appointments_patient_no_overlap') {
    // Not a race: the patient already holds an appointment at this time (with any doctor).
    return conflict('You already have an appointment at this time', { reason: 'OVERLAPS_OWN_APPOINTMENT', sqlState: code });
  }
  if (code === '23P01' || code === '40P01' || code === '40001') {
    return conflict('This time is no longer available', { reason: 'SLOT_TAKEN', sqlState: code });
  }
  return error as Error;
}

export function constraintOf(error: unknown): string | undefined {
  const e = error as { constraint?: unknown; cause?: unknown } | null;
  if (e && typeof e.constraint === 'string') return e.constraint;
  return e?.cause ? constraintOf(e.cause) : undefined;
}

export function validateReason(reason: string | null | undefined): string | null {
  if (reason == null) return null;
  if (reason.length > MAX_REASON_LENGTH) throw badUserInput(`A reason has at most ${MAX_REASON_LENGTH} characters`);
  return reason.trim() || null;
}

/** Finds the schedule's slot that starts at `startsAt`, or explains why there is none. */
export async function findBookableSlot(
  em: EntityManager,
  clinic: Clinic,
  input: { doctorId: string; startsAt: Date; consultationType?: string | null; includeEmergency: boolean; patientId: string; movingAppointmentId?: string },
) {
  const from = input.startsAt;
  const to = new Date(from.getTime() + 86_400_000);
  const search = { doctorIds: [input.doctorId], consultationType: input.consultationType ?? null, from, to, includeEmergency: input.includeEmergency };
  const { doctors, slots } = await searchFreeSlots(em, clinic, { ...search, ignoreBusy: true });
  if (!doctors.length) throw notFound('Doctor');
  const slot = slots.find((s) => s.start === from.getTime());
  if (!slot) throw badUserInput('This time is not a bookable slot of the doctor', { reason: 'NOT_A_SLOT' });
  // Held waiting-list offers for someone else are not in the constraint; check them here.
  const held = await searchFreeSlots(em, clinic, { ...search, offerHolderId: input.patientId, movingAppointmentId: input.movingAppointmentId });
  if (!held.slots.some((s) => s.start === slot.start && s.consultationType === slot.consultationType)) {
    // Either a live appointment (the insert would fail anyway) or an offer held for another patient.
    throw conflict('This time is no longer available', { reason: 'SLOT_TAKEN' });
  }
  return slot;
}

export async function autoApproves(em: EntityManager, doctorId: string, consultationType: string): Promise<boolean> {
  const settings = await em.findOne(DoctorSettingsSchema, { doctorId });
  return !!settings && (settings.autoApproveAll || settings.autoApproveTypes.includes(consultationType));
}

/** `accounts`: identity's answer to whether the patient staff book for is an active patient account. */
export async function requestAppointment(em: EntityManager, actor: Actor, clinic: Clinic, input: AppointmentRequest, accounts: ActiveUsers): Promise<Appointment> {
  const viewer = requireUser(actor.viewer);
  const staff = isStaff(viewer);
  const patientId = input.patientId ?? viewer.userId;
  if (patientId !== viewer.userId && !staff) throw forbidden('Patients book only for themselves');
  if (!staff && !viewer.roles.includes('PATIENT')) throw forbidden('Only patients (or staff for them) request appointments');
  if (!isUuid(input.doctorId) || !isUuid(patientId)) throw badUserInput('Ids must be UUIDs');
  if (!CATEGORIES.includes(input.category)) throw badUserInput('Unknown category');
  if (input.consultationType && input.consultationType.length > 40) throw badUserInput('Unknown consultation type');
  const reason = validateReason(input.reason);
  const documentIds = [...new Set(input.documentIds ?? [])];
  if (documentIds.length > 20 || !documentIds.every(isUuid)) throw badUserInput('documentIds: at most 20 document ids');
  const urgent = input.category === 'URGENT';
  // Before anything is held or stored: a made-up patient would null every list that shows the appointment.
  if (patientId !== viewer.userId) await requireActiveUsers(accounts, [patientId], 'PATIENT');

  const slot = await findBookableSlot(em, clinic, {
    doctorId: input.doctorId,
    startsAt: input.startsAt,
    consultationType: input.consultationType,
    includeEmergency: staff || urgent,
    patientId,
  });
  return insertAppointment(em, actor, clinic, { patientId, slot, category: input.category, reason, documentIds });
}

export async function insertAppointment(
  em: EntityManager,
  actor: Actor,
  clinic: Clinic,
  input: { patientId: string; slot: { doctorId: string; start: number; end: number; consultationType: string; emergency: boolean }; category: AppointmentCategory; reason: string | null; documentIds?: string[] },
  inTransaction: (tx: EntityManager, appointment: Appointment) => Promise<void> = async () => {},
): Promise<Appointment> {
  const now = clinic.now();
  const startsAt = new Date(input.slot.start);
  const auto = await autoApproves(em, input.slot.doctorId, input.slot.consultationType);
  try {
    return await em.transactional(async (tx) => {
      const appointment = tx.create(AppointmentSchema, {
        id: randomUUID(),
        doctorId: input.slot.doctorId,
        patientId: input.patientId,
        startsAt,
        endsAt: new Date(input.slot.end),
        status: 'REQUESTED',
        consultationType: input.slot.consultationType,
        category: input.category,
        priority: input.category === 'URGENT' || input.slot.emergency ? 1 : 0,
        emergency: input.slot.emergency,
        reason: input.reason,
        requestedAt: now,
        expiresAt: new Date(Math.min(startsAt.getTime(), now.getTime() + clinic.policy.requestTtlHours * 3_600_000)),
        decidedAt: null,
        decidedBy: null,
        updatedAt: now,
      });
      recordChange(tx, actor, appointment, { action: 'requested', from: null, at: now, documentIds: input.documentIds });
      if (auto) {
        appointment.status = 'APPROVED';
        appointment.decidedAt = now;
        appointment.expiresAt = null;
        recordChange(tx, actor, appointment, { action: 'approved', from: 'REQUESTED', reason: 'auto-approved', at: now });
      }
      await inTransaction(tx, appointment);
      await tx.flush();
      return appointment;
    });
  } catch (error) {
    throw slotTaken(error);
  }
}
