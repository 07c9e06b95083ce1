// The waiting list: a patient waits for a doctor within a window; when a matching slot frees up
// (cancellation, decline, expiry, new hours) the first waiting patient is offered it for a limited time,
// then the next. An offer holds the slot against other patients (slot search and booking skip it).
import { randomUUID } from 'node:crypto';
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { badUserInput, conflict, enqueueEvent, notFound, pgErrorCode, recordAudit, requireActiveUsers, requireUser, type ActiveUsers } from '@clinic/service-kit';
import { WaitlistEntrySchema, type WaitlistEntry } from '../entities/waitlist.ts';
import type { Appointment } from '../entities/appointment.ts';
import { auditActor, isStaff, isUuid, type Actor } from '../actor.ts';
import type { Clinic } from '../policy.ts';
import { loadDoctors, searchFreeSlots } from '../schedules/slot-search.ts';
import { constraintOf, insertAppointment, validateReason } from '../booking/request-appointment.ts';
import type { AppointmentCategory } from '../entities/appointment.ts';

export interface FreedSlot {
  doctorId: string;
  startsAt: Date;
  endsAt: Date;
  consultationType: string;
}

export async function joinWaitlist(
  em: EntityManager,
  actor: Actor,
  clinic: Clinic,
  input: { doctorId: string; from: Date; to: Date; consultationType?: string | null; patientId?: string | null },
  accounts: ActiveUsers,
): Promise<WaitlistEntry> {
  const viewer = requireUser(actor.viewer);
  const patientId = input.patientId ?? viewer.userId;
  if (patientId !== viewer.userId && !isStaff(viewer)) throw notFound('Patient');
  if (!isUuid(input.doctorId) || !isUuid(patientId)) throw badUserInput('Ids must be UUIDs');
  const now = clinic.now();
  if (!(input.to > input.from) || input.to <= now) throw badUserInput('The window must end after it starts, in the future');
  if (input.to.getTime() - now.getTime() > clinic.policy.horizonDays * 86_400_000) throw badUserInput('The window is beyond the booking horizon');
  if (!(await loadDoctors(em, { doctorIds: [input.doctorId] })).length) throw notFound('Doctor');
  if (patientId !== viewer.userId) await requireActiveUsers(accounts, [patientId], 'PATIENT');
  const live = { patientId, doctorId: input.doctorId, status: { $in: ['WAITING', 'OFFERED'] }, windowStart: { $lt: input.to }, windowEnd: { $gt: input.from } } as const;
  if (await em.count(WaitlistEntrySchema, live)) throw alreadyWaiting();
  const entry = em.create(WaitlistEntrySchema, {
    id: randomUUID(),
    patientId,
    doctorId: input.doctorId,
    consultationType: input.consultationType ?? null,
    windowStart: input.from,
    windowEnd: input.to,
    status: 'WAITING',
    offerStartsAt: null,
    offerEndsAt: null,
    offerConsultationType: null,
    offerExpiresAt: null,
    createdAt: now,
  });
  enqueueEvent(em, 'waitlist.joined', { entryId: entry.id, patientId, doctorId: entry.doctorId });
  recordAudit(em, auditActor(actor), { action: 'waitlist.join', resourceType: 'WaitlistEntry', resourceId: entry.id, subjectUserId: patientId, outcome: 'SUCCESS' });
  try {
    await em.flush();
  } catch (error) {
    // Two joins at the same moment: the database's rule (waitlist_entries_no_duplicate) decides.
    if (pgErrorCode(error) === '23P01' && constraintOf(error) === 'waitlist_entries_no_duplicate') throw alreadyWaiting();
    throw error;
  }
  return entry;
}

const alreadyWaiting = () => conflict('You are already on the waiting list for this doctor at these times', { reason: 'ALREADY_WAITING' });

/**
 * In the caller's transaction: offers a freed slot to the first patient waiting for it (oldest entry
 * whose window covers it). SKIP LOCKED lets two replicas offer two freed slots to two different patients.
 */
export async function offerFreedSlot(tx: EntityManager, clinic: Clinic, slot: FreedSlot): Promise<WaitlistEntry | null> {
  const now = clinic.now();
  if (slot.startsAt.getTime() < now.getTime() + clinic.policy.minNoticeMinutes * 60_000) return null;
  const rows: { id: string }[] = await tx.execute(
    `select id from waitlist_entries
      where doctor_id = ? and status = 'WAITING' and window_start <= ? and window_end >= ?
        and (consultation_type is null or consultation_type = ?)
        and not exists (select 1 from appointments a where a.patient_id = waitlist_entries.patient_id
                         and a.status in ('REQUESTED','APPROVED') and a.during && tstzrange(?::timestamptz, ?::timestamptz))
      order by created_at limit 1 for update skip locked`,
    [slot.doctorId, slot.startsAt.toISOString(), slot.endsAt.toISOString(), slot.consultationType, slot.startsAt.toISOString(), slot.endsAt.toISOString()],
  );
  const id = rows[0]?.id;
  if (!id) return null;
  return offerTo(tx, clinic, await tx.findOneOrFail(WaitlistEntrySchema, { id }), slot);
}

async function offerTo(tx: EntityManager, clinic: Clinic, entry: WaitlistEntry, slot: FreedSlot): Promise<WaitlistEntry> {
  entry.status = 'OFFERED';
  entry.offerStartsAt = slot.startsAt;
  entry.offerEndsAt = slot.endsAt;
  entry.offerConsultationType = slot.consultationType;
  entry.offerExpiresAt = new Date(clinic.now().getTime() + clinic.policy.waitlistOfferMinutes * 60_000);
  enqueueEvent(tx, 'waitlist.offered', {
    entryId: entry.id,
    patientId: entry.patientId,
    doctorId: entry.doctorId,
    startsAt: slot.startsAt.toISOString(),
    endsAt: slot.endsAt.toISOString(),
    expiresAt: entry.offerExpiresAt.toISOString(),
  });
  await tx.flush();
  return entry;
}

const NEW_HOURS_BATCH = 20;

/**
 * New hours (a rule or extra hours) may open time waiting patients want: the oldest waiting entries of
 * the doctor are each offered the first free slot in their window. Bounded: at most 20 entries a call.
 */
export async function offerOpenSlots(tx: EntityManager, clinic: Clinic, doctorId: string): Promise<number> {
  const now = clinic.now();
  const waiting = await tx.find(
    WaitlistEntrySchema,
    { doctorId, status: 'WAITING', windowEnd: { $gt: now } },
    { orderBy: { createdAt: 'asc' }, limit: NEW_HOURS_BATCH, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE },
  );
  let offered = 0;
  for (const entry of waiting) {
    const from = new Date(Math.max(entry.windowStart.getTime(), now.getTime()));
    const to = new Date(Math.min(entry.windowEnd.getTime(), from.getTime() + clinic.policy.maxSearchDays * 86_400_000));
    if (to <= from) continue;
    const { slots } = await searchFreeSlots(
      tx,
      clinic,
      { doctorIds: [doctorId], consultationType: entry.consultationType, from, to, includeEmergency: false },
      { limit: 1 },
    );
    const slot = slots[0];
    if (!slot) continue;
    await offerTo(tx, clinic, entry, { doctorId, startsAt: new Date(slot.start), endsAt: new Date(slot.end), consultationType: slot.consultationType });
    offered += 1;
  }
  return offered;
}

/** The freed slot of an appointment that stopped being live. */
export const freedSlotOf = (a: Appointment): FreedSlot => ({ doctorId: a.doctorId, startsAt: a.startsAt, endsAt: a.endsAt, consultationType: a.consultationType });

/** Offers that ran out go to the next waiting patient. Returns how many offers expired. */
export async function expireWaitlistOffers(em: EntityManager, clinic: Clinic): Promise<number> {
  return em.transactional(async (tx) => {
    const expired = await tx.find(
      WaitlistEntrySchema,
      { status: 'OFFERED', offerExpiresAt: { $lte: clinic.now() } },
      { limit: 100, orderBy: { offerExpiresAt: 'asc' }, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE },
    );
    for (const entry of expired) {
      entry.status = 'EXPIRED';
      enqueueEvent(tx, 'waitlist.offer_expired', { entryId: entry.id, patientId: entry.patientId, doctorId: entry.doctorId });
      await tx.flush();
      const slot = { doctorId: entry.doctorId, startsAt: entry.offerStartsAt!, endsAt: entry.offerEndsAt!, consultationType: entry.offerConsultationType! };
      const taken: unknown[] = await tx.execute(
        `select 1 from appointments where doctor_id = ? and status in ('REQUESTED','APPROVED') and during && tstzrange(?::timestamptz, ?::timestamptz)`,
        [slot.doctorId, slot.startsAt.toISOString(), slot.endsAt.toISOString()],
      );
      if (!taken.length) await offerFreedSlot(tx, clinic, slot);
    }
    await tx.flush();
    return expired.length;
  });
}

/** The offered patient takes the slot: a normal request (auto-approval applies), the entry becomes BOOKED. */
export async function acceptWaitlistOffer(
  em: EntityManager,
  actor: Actor,
  clinic: Clinic,
  input: { entryId: string; category: AppointmentCategory; reason?: string | null },
): Promise<Appointment> {
  const viewer = requireUser(actor.viewer);
  if (!isUuid(input.entryId)) throw notFound('Waiting list entry');
  const entry = await em.findOne(WaitlistEntrySchema, { id: input.entryId });
  if (!entry || (entry.patientId !== viewer.userId && !isStaff(viewer))) throw notFound('Waiting list entry');
  if (entry.status !== 'OFFERED' || !entry.offerExpiresAt || entry.offerExpiresAt <= clinic.now()) {
    throw conflict('There is no open offer on this entry', { reason: 'NO_OPEN_OFFER' });
  }
  const slot = {
    doctorId: entry.doctorId,
    start: entry.offerStartsAt!.getTime(),
    end: entry.offerEndsAt!.getTime(),
    consultationType: entry.offerConsultationType!,
    emergency: false,
  };
  return insertAppointment(em, actor, clinic, { patientId: entry.patientId, slot, category: input.category, reason: validateReason(input.reason) }, async (tx) => {
    const updated = await tx.nativeUpdate(WaitlistEntrySchema, { id: entry.id, status: 'OFFERED' }, { status: 'BOOKED' });
    if (!updated) throw conflict('There is no open offer on this entry', { reason: 'NO_OPEN_OFFER' });
    enqueueEvent(tx, 'waitlist.booked', { entryId: entry.id, patientId: entry.patientId, doctorId: entry.doctorId });
  });
}

export async function leaveWaitlist(em: EntityManager, actor: Actor, clinic: Clinic, id: string): Promise<WaitlistEntry> {
  const viewer = requireUser(actor.viewer);
  return em.transactional(async (tx) => {
    const entry = isUuid(id) ? await tx.findOne(WaitlistEntrySchema, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE }) : null;
    if (!entry || (entry.patientId !== viewer.userId && !isStaff(viewer))) throw notFound('Waiting list entry');
    const wasOffered = entry.status === 'OFFERED';
    if (entry.status === 'WAITING' || wasOffered) {
      entry.status = 'CANCELLED';
      enqueueEvent(tx, 'waitlist.left', { entryId: entry.id, patientId: entry.patientId, doctorId: entry.doctorId });
    }
    await tx.flush();
    // A declined offer goes straight to the next patient.
    if (wasOffered && entry.offerExpiresAt! > clinic.now()) {
      await offerFreedSlot(tx, clinic, { doctorId: entry.doctorId, startsAt: entry.offerStartsAt!, endsAt: entry.offerEndsAt!, consultationType: entry.offerConsultationType! });
    }
    return entry;
  });
}
