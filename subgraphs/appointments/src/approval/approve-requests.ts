// The doctor's side of a request: approve or decline one (re-checked atomically: only a row that is
// still REQUESTED changes), many at once with a result per item (one failure never undoes the others),
// the pending queue (priority first), decision history, and expiry of undecided requests.
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { badUserInput, conflict, DomainError, forbidden, fromDatabaseError, requireUser, type Viewer } from '@clinic/service-kit';
import { AppointmentEventSchema, AppointmentSchema, type Appointment, type AppointmentCategory, type AppointmentEvent } from '../entities/appointment.ts';
import { isStaff, isUuid, type Actor } from '../actor.ts';
import type { Clinic } from '../policy.ts';
import { freedSlotOf, offerFreedSlot } from '../waitlist/waitlist.ts';
import { auditingDenial, loadForChange } from '../booking/access.ts';
import { assertTransition } from '../booking/lifecycle.ts';
import { recordChange } from '../booking/record.ts';
import { validateReason } from '../booking/request-appointment.ts';

export type Decision = 'APPROVED' | 'DECLINED';

export async function decideRequest(em: EntityManager, actor: Actor, clinic: Clinic, input: { id: string; decision: Decision; reason?: string | null }): Promise<Appointment> {
  const reason = validateReason(input.reason);
  const action = input.decision === 'APPROVED' ? 'appointment.approve' : 'appointment.decline';
  return auditingDenial(em, actor, action, () => em.transactional(async (tx) => {
    const { appointment, party } = await loadForChange(tx, actor.viewer, input.id);
    if (party === 'PATIENT') throw forbidden('Only the doctor or staff decide requests');
    assertTransition(appointment.status, input.decision);
    // The patient is owed an explanation: a decline without one is refused (after the access checks, so
    // a stranger still learns nothing about the appointment).
    if (input.decision === 'DECLINED' && !reason) throw badUserInput('Say why the request is declined; the patient sees the reason', { reason: 'DECLINE_REASON_REQUIRED', field: 'reason' });
    const now = clinic.now();
    // The row is locked, but the guard keeps the decision atomic even for callers that did not lock.
    const changed = await tx.nativeUpdate(
      AppointmentSchema,
      { id: appointment.id, status: 'REQUESTED' },
      { status: input.decision, decidedAt: now, decidedBy: actor.viewer.kind === 'user' ? actor.viewer.userId : null, expiresAt: null, updatedAt: now },
    );
    if (!changed) throw conflict('This request was decided meanwhile', { reason: 'ALREADY_DECIDED' });
    await tx.refresh(appointment);
    recordChange(tx, actor, appointment, { action: input.decision === 'APPROVED' ? 'approved' : 'declined', from: 'REQUESTED', reason, at: now });
    await tx.flush();
    if (input.decision === 'DECLINED') await offerFreedSlot(tx, clinic, freedSlotOf(appointment));
    return appointment;
  }));
}

export interface DecisionResult {
  id: string;
  ok: boolean;
  appointment: Appointment | null;
  error: { code: string; message: string } | null;
}

export const MAX_BATCH = 100;

/** Each item in its own transaction; priority requests are decided first. */
export async function decideRequests(
  em: EntityManager,
  actor: Actor,
  clinic: Clinic,
  items: { id: string; decision: Decision; reason?: string | null }[],
): Promise<DecisionResult[]> {
  requireUser(actor.viewer);
  if (!items.length || items.length > MAX_BATCH) throw badUserInput(`Decide between 1 and ${MAX_BATCH} requests at once`);
  const ids = items.map((i) => i.id).filter(isUuid);
  const rows = ids.length ? await em.find(AppointmentSchema, { id: { $in: ids } }) : [];
  const rank = new Map(rows.map((r) => [r.id, [-r.priority, r.startsAt.getTime()] as const]));
  const order = [...items.keys()].sort((a, b) => {
    const ra = rank.get(items[a]!.id) ?? [1, 0];
    const rb = rank.get(items[b]!.id) ?? [1, 0];
    return ra[0] - rb[0] || ra[1] - rb[1];
  });
  const results: DecisionResult[] = new Array(items.length);
  for (const index of order) {
    const item = items[index]!;
    try {
      const appointment = await decideRequest(em.fork(), actor, clinic, item);
      results[index] = { id: item.id, ok: true, appointment, error: null };
    } catch (error) {
      const domain = error instanceof DomainError ? error : fromDatabaseError(error);
      if (!domain) throw error;
      results[index] = { id: item.id, ok: false, appointment: null, error: { code: domain.code, message: domain.message } };
    }
  }
  return results;
}

/** Whose queue: the doctor's own, or any doctor's for staff. */
export function doctorScope(viewer: Viewer, doctorId: string | null | undefined): string {
  const user = requireUser(viewer);
  const id = doctorId ?? user.userId;
  if (!isUuid(id)) throw badUserInput('doctorId must be a UUID');
  if (id !== user.userId && !isStaff(user)) throw forbidden('Only the doctor or staff see this queue');
  if (id === user.userId && !user.roles.includes('DOCTOR') && !isStaff(user)) throw forbidden('Only doctors have a request queue');
  return id;
}

export type PendingOrder = 'PRIORITY' | 'DATE' | 'PATIENT' | 'CATEGORY';

export async function pendingRequests(
  em: EntityManager,
  viewer: Viewer,
  input: { doctorId?: string | null; category?: AppointmentCategory | null; from?: Date | null; to?: Date | null; orderBy?: PendingOrder | null; first?: number | null },
): Promise<Appointment[]> {
  const doctorId = doctorScope(viewer, input.doctorId);
  const first = Math.min(Math.max(input.first ?? 50, 1), 200);
  const where: Record<string, unknown> = { doctorId, status: 'REQUESTED' };
  if (input.category) where.category = input.category;
  if (input.from || input.to) where.startsAt = { ...(input.from ? { $gte: input.from } : {}), ...(input.to ? { $lt: input.to } : {}) };
  const orderBy: Record<string, 'asc' | 'desc'>[] =
    input.orderBy === 'DATE'
      ? [{ startsAt: 'asc' }]
      : input.orderBy === 'PATIENT'
        ? [{ patientId: 'asc' }, { startsAt: 'asc' }]
        : input.orderBy === 'CATEGORY'
          ? [{ category: 'asc' }, { startsAt: 'asc' }]
          : [{ priority: 'desc' }, { startsAt: 'asc' }];
  return em.find(AppointmentSchema, where, { orderBy, limit: first });
}

export async function decisionHistory(em: EntityManager, viewer: Viewer, input: { doctorId?: string | null; first?: number | null }): Promise<AppointmentEvent[]> {
  const doctorId = doctorScope(viewer, input.doctorId);
  const first = Math.min(Math.max(input.first ?? 50, 1), 200);
  return em.find(AppointmentEventSchema, { doctorId, action: { $in: ['approved', 'declined'] } }, { orderBy: { occurredAt: 'desc' }, limit: first });
}

/** Undecided requests past their hold release the slot (and offer it to the waiting list). */
export async function expireRequests(em: EntityManager, clinic: Clinic): Promise<number> {
  const system: Actor = { viewer: { kind: 'anonymous' }, requestId: 'request-expiry', ip: null };
  return em.transactional(async (tx) => {
    const now = clinic.now();
    const stale = await tx.find(AppointmentSchema, { status: 'REQUESTED', expiresAt: { $lte: now } }, { limit: 200, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE });
    for (const appointment of stale) {
      appointment.status = 'EXPIRED';
      appointment.updatedAt = now;
      recordChange(tx, system, appointment, { action: 'expired', from: 'REQUESTED', reason: 'request expired', at: now });
    }
    await tx.flush();
    for (const appointment of stale) await offerFreedSlot(tx, clinic, freedSlotOf(appointment));
    return stale.length;
  });
}

