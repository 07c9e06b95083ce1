// Every entity of the appointments schema, for the ORM.
import { DoctorListingSchema, DoctorSettingsSchema } from './doctor.ts';
import { ScheduleExceptionSchema, ScheduleRuleSchema } from './schedule.ts';
import { AppointmentEventSchema, AppointmentSchema } from './appointment.ts';
import { WaitlistEntrySchema } from './waitlist.ts';
import { OutboxEventSchema } from '@clinic/service-kit';

export const entities = [
  DoctorListingSchema,
  DoctorSettingsSchema,
  ScheduleRuleSchema,
  ScheduleExceptionSchema,
  AppointmentSchema,
  AppointmentEventSchema,
  WaitlistEntrySchema,
  OutboxEventSchema,
];
