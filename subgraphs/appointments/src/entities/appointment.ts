// An appointment and its history. The `during` range column (generated from starts_at/ends_at) carries
// the exclusion constraints that make double booking impossible; the ORM never writes it.
import { EntitySchema } from '@mikro-orm/postgresql';
import type { AppointmentStatus } from '../booking/lifecycle.ts';

export type AppointmentCategory = 'ROUTINE' | 'FOLLOW_UP' | 'CONSULTATION' | 'URGENT';

export interface Appointment {
  id: string;
  doctorId: string;
  patientId: string;
  startsAt: Date;
  endsAt: Date;
  status: AppointmentStatus;
  consultationType: string;
  category: AppointmentCategory;
  /** 1 for urgent requests and emergency slots: they come first in the doctor's queue. */
  priority: number;
  emergency: boolean;
  /** The patient's message to the doctor: PHI, never logged or put on a queue. */
  reason: string | null;
  requestedAt: Date;
  /** A REQUESTED appointment holds its slot until it is decided or this passes. */
  expiresAt: Date | null;
  decidedAt: Date | null;
  decidedBy: string | null;
  updatedAt: Date;
}

export const AppointmentSchema = new EntitySchema<Appointment>({
  name: 'Appointment',
  tableName: 'appointments',
  properties: {
    id: { type: 'uuid', primary: true },
    doctorId: { type: 'uuid', fieldName: 'doctor_id' },
    patientId: { type: 'uuid', fieldName: 'patient_id' },
    startsAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'starts_at' },
    endsAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'ends_at' },
    status: { type: 'string' },
    consultationType: { type: 'string', fieldName: 'consultation_type' },
    category: { type: 'string' },
    priority: { type: 'integer' },
    emergency: { type: 'boolean' },
    reason: { type: 'text', nullable: true },
    requestedAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'requested_at' },
    expiresAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'expires_at', nullable: true },
    decidedAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'decided_at', nullable: true },
    decidedBy: { type: 'uuid', fieldName: 'decided_by', nullable: true },
    updatedAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'updated_at' },
  },
});

/** One recorded transition or move: who, when, why, and whether a policy was overridden. */
export interface AppointmentEvent {
  id: string;
  appointmentId: string;
  doctorId: string;
  action: string;
  fromStatus: AppointmentStatus | null;
  toStatus: AppointmentStatus;
  actorId: string | null;
  reason: string | null;
  policyOverride: boolean;
  previousStartsAt: Date | null;
  startsAt: Date;
  occurredAt: Date;
}

export const AppointmentEventSchema = new EntitySchema<AppointmentEvent>({
  name: 'AppointmentEvent',
  tableName: 'appointment_events',
  properties: {
    id: { type: 'uuid', primary: true },
    appointmentId: { type: 'uuid', fieldName: 'appointment_id' },
    doctorId: { type: 'uuid', fieldName: 'doctor_id' },
    action: { type: 'string' },
    fromStatus: { type: 'string', fieldName: 'from_status', nullable: true },
    toStatus: { type: 'string', fieldName: 'to_status' },
    actorId: { type: 'uuid', fieldName: 'actor_id', nullable: true },
    reason: { type: 'text', nullable: true },
    policyOverride: { type: 'boolean', fieldName: 'policy_override' },
    previousStartsAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'previous_starts_at', nullable: true },
    startsAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'starts_at' },
    occurredAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'occurred_at' },
  },
});
