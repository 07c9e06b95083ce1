// The doctor directory as this subgraph needs it for search: a projection of identity's doctor
// profiles (fed by `doctor.profile_updated` events), plus the doctor's own booking settings.
import { EntitySchema } from '@mikro-orm/postgresql';

export interface DoctorListing {
  doctorId: string;
  specialisations: string[];
  languages: string[];
  timeZone: string;
  consultationTypes: string[];
  active: boolean;
  /** Creation time of the last applied event: older (redelivered, out-of-order) events are ignored. */
  sourceEventAt: Date;
}

export const DoctorListingSchema = new EntitySchema<DoctorListing>({
  name: 'DoctorListing',
  tableName: 'doctor_directory',
  properties: {
    doctorId: { type: 'uuid', primary: true, fieldName: 'doctor_id' },
    specialisations: { type: 'string[]', columnType: 'text[]' },
    languages: { type: 'string[]', columnType: 'text[]' },
    timeZone: { type: 'string', fieldName: 'time_zone' },
    consultationTypes: { type: 'string[]', columnType: 'text[]', fieldName: 'consultation_types' },
    active: { type: 'boolean' },
    sourceEventAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'source_event_at' },
  },
});

export interface DoctorSettings {
  doctorId: string;
  /** Approve every request automatically. */
  autoApproveAll: boolean;
  /** Or only requests for these consultation types. */
  autoApproveTypes: string[];
  updatedAt: Date;
}

export const DoctorSettingsSchema = new EntitySchema<DoctorSettings>({
  name: 'DoctorSettings',
  tableName: 'doctor_settings',
  properties: {
    doctorId: { type: 'uuid', primary: true, fieldName: 'doctor_id' },
    autoApproveAll: { type: 'boolean', fieldName: 'auto_approve_all' },
    autoApproveTypes: { type: 'string[]', columnType: 'text[]', fieldName: 'auto_approve_types' },
    updatedAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'updated_at' },
  },
});
