// Doctors (or ADMIN/OPERATOR for them) manage schedules. Conflicts are reported before anything is
// applied: a rule that overlaps another rule, or an exception that would remove time already promised
// to patients (the caller must say what happens to those appointments: cancel them or keep them).
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput, conflict, enqueueEvent, forbidden, hasRole, notFound, requireUser, type Viewer } from '@clinic/service-kit';
import { ScheduleExceptionSchema, ScheduleRuleSchema, type ScheduleException, type ScheduleRule } from '../entities/schedule.ts';
import { AppointmentSchema, type Appointment } from '../entities/appointment.ts';
import { DoctorSettingsSchema, type DoctorSettings } from '../entities/doctor.ts';
import { isStaff, isUuid, type Actor } from '../actor.ts';
import type { Clinic } from '../policy.ts';
import { recordChange } from '../booking/record.ts';
import { offerOpenSlots } from '../waitlist/waitlist.ts';
import { loadDoctors, pgArray, type DoctorRow } from './slot-search.ts';
import { expandRule, ruleProblem, type RuleShape } from './weekly-rule.ts';
import { addDays, isLocalDate, localDaysWindow, wallClock } from './local-time.ts';
import type { ExceptionKind } from './free-slots.ts';

/** The doctor themselves, or staff acting for them; the doctor must be in the directory. */
export async function authorizeDoctor(em: EntityManager, viewer: Viewer, doctorId: string): Promise<DoctorRow> {
  const user = requireUser(viewer);
  if (!isUuid(doctorId)) throw badUserInput('doctorId must be a UUID');
  if (doctorId !== user.userId && !isStaff(user)) throw forbidden('Only the doctor or staff manage this schedule');
  const [doctor] = await loadDoctors(em, { doctorIds: [doctorId] });
  if (!doctor) throw notFound('Doctor');
  return doctor;
}

export interface RuleInput extends RuleShape {
  doctorId: string;
  slotMinutes: number;
  bufferMinutes: number;
  consultationType: string;
  /** Accept an overlap with existing rules (e.g. two consultation types offered side by side). */
  allowOverlap?: boolean | null;
}

const CHECK_DAYS = 120;

export async function addScheduleRule(em: EntityManager, actor: Actor, clinic: Clinic, input: RuleInput): Promise<ScheduleRule> {
  const doctor = await authorizeDoctor(em, actor.viewer, input.doctorId);
  const problem = ruleProblem(input, doctor.timeZone);
  if (problem) throw badUserInput(problem);
  if (!Number.isInteger(input.slotMinutes) || input.slotMinutes < 5 || input.slotMinutes > 480) throw badUserInput('slotMinutes must be 5–480');
  if (!Number.isInteger(input.bufferMinutes) || input.bufferMinutes < 0 || input.bufferMinutes > 240) throw badUserInput('bufferMinutes must be 0–240');
  if (!/^[A-Z_]{2,40}$/.test(input.consultationType)) throw badUserInput('consultationType must be an upper-case code such as IN_PERSON');

  const existing = await em.find(ScheduleRuleSchema, { doctorId: input.doctorId });
  if (!input.allowOverlap && existing.length) {
    const start = new Date(Math.max(clinic.now().getTime(), Date.parse(`${input.validFrom}T00:00:00Z`)));
    const end = new Date(start.getTime() + CHECK_DAYS * 86_400_000);
    const mine = expandRule(input, doctor.timeZone, start, end);
    const clashing = existing.filter((rule) =>
      expandRule(rule, doctor.timeZone, start, end).some((w) => mine.some((m) => m.start < w.end && w.start < m.end)),
    );
    if (clashing.length) {
      throw conflict('This rule overlaps existing rules', { reason: 'OVERLAPPING_RULES', ruleIds: clashing.map((r) => r.id) });
    }
  }
  const rule = em.create(ScheduleRuleSchema, {
    id: randomUUID(),
    doctorId: input.doctorId,
    kind: input.kind,
    weekdays: input.kind === 'WEEKLY' ? [...new Set(input.weekdays)].sort() : [],
    rrule: input.kind === 'RECURRING' ? input.rrule : null,
    startTime: input.startTime,
    endTime: input.endTime,
    validFrom: input.validFrom,
    validUntil: input.validUntil,
    slotMinutes: input.slotMinutes,
    bufferMinutes: input.bufferMinutes,
    consultationType: input.consultationType,
    createdBy: requireUser(actor.viewer).userId,
    createdAt: clinic.now(),
  });
  enqueueEvent(em, 'schedule.changed', { doctorId: input.doctorId, ruleId: rule.id });
  await em.flush();
  await em.transactional((tx) => offerOpenSlots(tx, clinic, input.doctorId));
  return rule;
}

export async function removeScheduleRule(em: EntityManager, actor: Actor, id: string): Promise<boolean> {
  requireUser(actor.viewer);
  const rule = isUuid(id) ? await em.findOne(ScheduleRuleSchema, { id }) : null;
  if (!rule) throw notFound('Schedule rule');
  await authorizeDoctor(em, actor.viewer, rule.doctorId);
  em.remove(rule);
  enqueueEvent(em, 'schedule.changed', { doctorId: rule.doctorId, ruleId: rule.id });
  await em.flush();
  return true;
}

export interface ExceptionInput {
  doctorId: string | null;
  kind: ExceptionKind;
  /** Either instants… */
  startsAt?: Date | null;
  endsAt?: Date | null;
  /** …or local dates (inclusive) in the doctor's zone — each doctor's own zone for a clinic-wide holiday. */
  startDate?: string | null;
  endDate?: string | null;
  slotMinutes?: number | null;
  consultationType?: string | null;
  label?: string | null;
}

/** An exception with its instants settled (and its local dates, when given by date). */
interface SettledException extends ExceptionInput {
  startsAt: Date;
  endsAt: Date;
  startDate: string | null;
  endDate: string | null;
}

const REMOVES_TIME = new Set<ExceptionKind>(['BREAK', 'DAY_OFF', 'HOLIDAY']);
/** Every zone's local day lies within this much of the same date's UTC day. */
const ZONE_SPAN_MS = 15 * 3_600_000;

async function checkException(em: EntityManager, viewer: Viewer, input: ExceptionInput): Promise<SettledException> {
  let zone: string | null = null;
  if (input.doctorId === null) {
    if (!hasRole(viewer, 'ADMIN')) throw forbidden('Only an administrator sets clinic-wide holidays');
    if (input.kind !== 'HOLIDAY') throw badUserInput('Only holidays apply to the whole clinic');
  } else {
    zone = (await authorizeDoctor(em, viewer, input.doctorId)).timeZone;
  }
  const settled = settleSpan(input, zone);
  if (!(settled.endsAt > settled.startsAt)) throw badUserInput('endsAt must be after startsAt');
  if (settled.endsAt.getTime() - settled.startsAt.getTime() > 367 * 86_400_000) throw badUserInput('An exception spans at most a year');
  if (input.label && input.label.length > 200) throw badUserInput('label has at most 200 characters');
  if (input.slotMinutes != null && (input.slotMinutes < 5 || input.slotMinutes > 480)) throw badUserInput('slotMinutes must be 5–480');
  return settled;
}

/** Instants for an exception given by instants or by local dates (whole days in `zone`, or any zone when null). */
function settleSpan(input: ExceptionInput, zone: string | null): SettledException {
  if (input.startDate == null && input.endDate == null) {
    if (!input.startsAt || !input.endsAt) throw badUserInput('Give startsAt and endsAt, or startDate (and endDate) in local dates');
    return { ...input, startsAt: input.startsAt, endsAt: input.endsAt, startDate: null, endDate: null };
  }
  if (input.startsAt || input.endsAt) throw badUserInput('Give either instants (startsAt, endsAt) or local dates (startDate, endDate), not both');
  if (!REMOVES_TIME.has(input.kind)) throw badUserInput('Local dates are for breaks, days off and holidays; give extra or emergency hours as instants');
  const startDate = input.startDate ?? input.endDate;
  const endDate = input.endDate ?? startDate;
  if (!isLocalDate(startDate) || !isLocalDate(endDate)) throw badUserInput('startDate and endDate must be dates (yyyy-MM-dd)');
  if (endDate < startDate) throw badUserInput('endDate must be on or after startDate');
  const span = zone
    ? localDaysWindow(zone, startDate, endDate)
    : { start: wallClock(startDate, 0) - ZONE_SPAN_MS, end: wallClock(addDays(endDate, 1), 0) + ZONE_SPAN_MS };
  return { ...input, startsAt: new Date(span.start), endsAt: new Date(span.end), startDate, endDate };
}

/** Live appointments an exception would take time from (what the doctor must decide about). */
export async function affectedAppointments(em: EntityManager, actor: Actor, input: ExceptionInput): Promise<Appointment[]> {
  return findAffected(em, await checkException(em, actor.viewer, input));
}

async function findAffected(em: EntityManager, input: SettledException): Promise<Appointment[]> {
  if (!REMOVES_TIME.has(input.kind)) return [];
  const where: Record<string, unknown> = {
    status: { $in: ['REQUESTED', 'APPROVED'] },
    startsAt: { $lt: input.endsAt },
    endsAt: { $gt: input.startsAt },
  };
  if (input.doctorId) where.doctorId = input.doctorId;
  const found = await em.find(AppointmentSchema, where, { orderBy: { startsAt: 'asc' }, limit: 500 });
  if (input.doctorId || !input.startDate || !input.endDate) return found;
  // A clinic-wide holiday by date: keep what falls on those dates in each doctor's own zone.
  const { startDate, endDate } = input;
  const zones = await doctorZones(em, [...new Set(found.map((a) => a.doctorId))]);
  return found.filter((a) => {
    const zone = zones.get(a.doctorId);
    if (!zone) return true;
    const days = localDaysWindow(zone, startDate, endDate);
    return a.startsAt.getTime() < days.end && a.endsAt.getTime() > days.start;
  });
}

async function doctorZones(em: EntityManager, doctorIds: string[]): Promise<Map<string, string>> {
  if (!doctorIds.length) return new Map();
  const rows: { doctor_id: string; time_zone: string }[] = await em.execute(
    `select doctor_id, time_zone from doctor_directory where doctor_id = any(?::uuid[])`,
    [pgArray(doctorIds)],
  );
  return new Map(rows.map((r) => [r.doctor_id, r.time_zone]));
}

export type AffectedHandling = 'REFUSE' | 'CANCEL' | 'KEEP';

export async function addScheduleException(
  em: EntityManager,
  actor: Actor,
  clinic: Clinic,
  input: ExceptionInput,
  handling: AffectedHandling,
): Promise<{ exception: ScheduleException; cancelled: Appointment[] }> {
  return em.transactional(async (tx) => {
    const settled = await checkException(tx, actor.viewer, input);
    const affected = await findAffected(tx, settled);
    if (affected.length && handling === 'REFUSE') {
      throw conflict('This exception affects existing appointments; cancel or keep them explicitly', {
        reason: 'AFFECTS_APPOINTMENTS',
        appointmentIds: affected.map((a) => a.id),
      });
    }
    const now = clinic.now();
    const exception = tx.create(ScheduleExceptionSchema, {
      id: randomUUID(),
      doctorId: input.doctorId,
      kind: input.kind,
      startsAt: settled.startsAt,
      endsAt: settled.endsAt,
      startDate: settled.startDate,
      endDate: settled.endDate,
      slotMinutes: input.slotMinutes ?? null,
      consultationType: input.consultationType ?? null,
      label: input.label ?? null,
      createdBy: requireUser(actor.viewer).userId,
      createdAt: now,
    });
    const cancelled: Appointment[] = [];
    if (handling === 'CANCEL') {
      for (const appointment of affected) {
        const from = appointment.status;
        appointment.status = 'CANCELLED';
        appointment.updatedAt = now;
        recordChange(tx, actor, appointment, { action: 'cancelled', from, reason: 'schedule exception', policyOverride: true, at: now });
        cancelled.push(appointment);
      }
    }
    enqueueEvent(tx, 'schedule.changed', { doctorId: input.doctorId, exceptionId: exception.id });
    await tx.flush();
    if (input.doctorId && input.kind === 'EXTRA_HOURS') await offerOpenSlots(tx, clinic, input.doctorId);
    return { exception, cancelled };
  });
}

export async function setAutoApproval(
  em: EntityManager,
  actor: Actor,
  clinic: Clinic,
  input: { doctorId: string; all: boolean; consultationTypes: string[] },
): Promise<DoctorSettings> {
  await authorizeDoctor(em, actor.viewer, input.doctorId);
  if (input.consultationTypes.length > 20) throw badUserInput('At most 20 consultation types');
  const settings =
    (await em.findOne(DoctorSettingsSchema, { doctorId: input.doctorId })) ??
    em.create(DoctorSettingsSchema, { doctorId: input.doctorId, autoApproveAll: false, autoApproveTypes: [], updatedAt: clinic.now() });
  settings.autoApproveAll = input.all;
  settings.autoApproveTypes = input.consultationTypes;
  settings.updatedAt = clinic.now();
  await em.flush();
  return settings;
}
