// A patient waiting for a doctor within a window; when a matching slot frees up it is offered for a while.
import { EntitySchema } from '@mikro-orm/postgresql';

export type WaitlistStatus = 'WAITING' | 'OFFERED' | 'BOOKED' | 'EXPIRED' | 'CANCELLED';

export interface WaitlistEntry {
  id: string;
  patientId: string;
  doctorId: string;
  consultationType: string | null;
  windowStart: Date;
  windowEnd: Date;
  status: WaitlistStatus;
  offerStartsAt: Date | null;
  offerEndsAt: Date | null;
  offerConsultationType: string | null;
  offerExpiresAt: Date | null;
  createdAt: Date;
}

export const WaitlistEntrySchema = new EntitySchema<WaitlistEntry>({
  name: 'WaitlistEntry',
  tableName: 'waitlist_entries',
  properties: {
    id: { type: 'uuid', primary: true },
    patientId: { type: 'uuid', fieldName: 'patient_id' },
    doctorId: { type: 'uuid', fieldName: 'doctor_id' },
    consultationType: { type: 'string', fieldName: 'consultation_type', nullable: true },
    windowStart: { type: 'Date', columnType: 'timestamptz', fieldName: 'window_start' },
    windowEnd: { type: 'Date', columnType: 'timestamptz', fieldName: 'window_end' },
    status: { type: 'string' },
    offerStartsAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'offer_starts_at', nullable: true },
    offerEndsAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'offer_ends_at', nullable: true },
    offerConsultationType: { type: 'string', fieldName: 'offer_consultation_type', nullable: true },
    offerExpiresAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'offer_expires_at', nullable: true },
    createdAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'created_at' },
  },
});
