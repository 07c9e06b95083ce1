// Every change to an appointment is written the same way, in the caller's transaction: a history row
// (who, when, why, override), an outbox event for other services and live updates (ids only, no PHI),
// and an audit event.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { enqueueEvent, recordAudit } from '@clinic/service-kit';
import { AppointmentEventSchema, type Appointment } from '../entities/appointment.ts';
import { auditActor, userIdOf, type Actor } from '../actor.ts';
import type { AppointmentStatus } from './lifecycle.ts';

export type ChangeAction = 'requested' | 'approved' | 'declined' | 'cancelled' | 'rescheduled' | 'completed' | 'no_show' | 'expired';

export interface ChangeNote {
  action: ChangeAction;
  from: AppointmentStatus | null;
  reason?: string | null;
  policyOverride?: boolean;
  previousStartsAt?: Date | null;
  /** With previousStartsAt (a move): the end of the time the appointment held before. */
  previousEndsAt?: Date | null;
  at: Date;
  /** Documents the patient attached to the request (ids only). */
  documentIds?: string[];
}

/** Payload of `appointment.*` outbox events and of the live triggers built from them. */
export interface AppointmentChangePayload {
  [key: string]: unknown;
  appointmentId: string;
  doctorId: string;
  patientId: string;
  status: AppointmentStatus;
  previousStatus: AppointmentStatus | null;
  startsAt: string;
  endsAt: string;
  previousStartsAt: string | null;
  /** Set with previousStartsAt when the appointment moved: the old time is free again. */
  previousEndsAt?: string | null;
  consultationType: string;
  priority: number;
  occurredAt: string;
  /** On `appointment.requested`: the patient's documents to attach (the documents service checks ownership). */
  documentIds?: string[];
}

export function recordChange(em: EntityManager, actor: Actor, appointment: Appointment, note: ChangeNote): void {
  em.create(AppointmentEventSchema, {
    id: randomUUID(),
    appointmentId: appointment.id,
    doctorId: appointment.doctorId,
    action: note.action,
    fromStatus: note.from,
    toStatus: appointment.status,
    actorId: userIdOf(actor.viewer),
    reason: note.reason ?? null,
    policyOverride: note.policyOverride ?? false,
    previousStartsAt: note.previousStartsAt ?? null,
    startsAt: appointment.startsAt,
    occurredAt: note.at,
  });
  const payload: AppointmentChangePayload = {
    appointmentId: appointment.id,
    doctorId: appointment.doctorId,
    patientId: appointment.patientId,
    status: appointment.status,
    previousStatus: note.from,
    startsAt: appointment.startsAt.toISOString(),
    endsAt: appointment.endsAt.toISOString(),
    previousStartsAt: note.previousStartsAt?.toISOString() ?? null,
    previousEndsAt: note.previousEndsAt?.toISOString() ?? null,
    consultationType: appointment.consultationType,
    priority: appointment.priority,
    occurredAt: note.at.toISOString(),
    ...(note.documentIds?.length ? { documentIds: note.documentIds } : {}),
  };
  enqueueEvent(em, `appointment.${note.action}`, payload);
  recordAudit(em, auditActor(actor), {
    action: `appointment.${note.action}`,
    resourceType: 'Appointment',
    resourceId: appointment.id,
    subjectUserId: appointment.patientId,
    outcome: 'SUCCESS',
    detail: note.policyOverride ? { policyOverride: true } : undefined,
  });
}
