// A doctor's availability: recurring rules in the doctor's local time, and dated exceptions (as UTC instants,
// or as local dates read in each doctor's zone).
import { EntitySchema } from '@mikro-orm/postgresql';
import type { RuleShape } from '../schedules/weekly-rule.ts';
import type { ExceptionKind } from '../schedules/free-slots.ts';

/** A stored rule: the shape the expansion reads, plus who it belongs to and how it is sliced. */
export interface ScheduleRule extends RuleShape {
  id: string;
  doctorId: string;
  slotMinutes: number;
  bufferMinutes: number;
  consultationType: string;
  createdBy: string;
  createdAt: Date;
}

export const ScheduleRuleSchema = new EntitySchema<ScheduleRule>({
  name: 'ScheduleRule',
  tableName: 'schedule_rules',
  properties: {
    id: { type: 'uuid', primary: true },
    doctorId: { type: 'uuid', fieldName: 'doctor_id' },
    kind: { type: 'string' },
    weekdays: { type: 'number[]', columnType: 'int[]' },
    rrule: { type: 'string', nullable: true },
    startTime: { type: 'string', fieldName: 'start_time' },
    endTime: { type: 'string', fieldName: 'end_time' },
    validFrom: { type: 'string', fieldName: 'valid_from' },
    validUntil: { type: 'string', fieldName: 'valid_until', nullable: true },
    slotMinutes: { type: 'integer', fieldName: 'slot_minutes' },
    bufferMinutes: { type: 'integer', fieldName: 'buffer_minutes' },
    consultationType: { type: 'string', fieldName: 'consultation_type' },
    createdBy: { type: 'uuid', fieldName: 'created_by' },
    createdAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'created_at' },
  },
});

export interface ScheduleException {
  id: string;
  /** null: a clinic-wide holiday. */
  doctorId: string | null;
  kind: ExceptionKind;
  startsAt: Date;
  endsAt: Date;
  /** Local dates (yyyy-MM-dd, inclusive) when given by date; startsAt/endsAt then bound them. */
  startDate: string | null;
  endDate: string | null;
  slotMinutes: number | null;
  consultationType: string | null;
  /** Staff-facing label ("conference", "public holiday"); not PHI. */
  label: string | null;
  createdBy: string;
  createdAt: Date;
}

export const ScheduleExceptionSchema = new EntitySchema<ScheduleException>({
  name: 'ScheduleException',
  tableName: 'schedule_exceptions',
  properties: {
    id: { type: 'uuid', primary: true },
    doctorId: { type: 'uuid', fieldName: 'doctor_id', nullable: true },
    kind: { type: 'string' },
    startsAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'starts_at' },
    endsAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'ends_at' },
    startDate: { type: 'string', fieldName: 'start_date', nullable: true },
    endDate: { type: 'string', fieldName: 'end_date', nullable: true },
    slotMinutes: { type: 'integer', fieldName: 'slot_minutes', nullable: true },
    consultationType: { type: 'string', fieldName: 'consultation_type', nullable: true },
    label: { type: 'string', nullable: true },
    createdBy: { type: 'uuid', fieldName: 'created_by' },
    createdAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'created_at' },
  },
});
