// The contract between appointments (producer) and identity (consumer) for "who is whose doctor":
// every `appointment.*` event also goes to this queue, and identity keeps a doctor–patient table from
// it, so a doctor may read their own patients' profiles without identity reading appointments' tables.
export const CARE_EVENTS_QUEUE = 'identity-appointments';

/** The part of an `appointment.*` payload identity reads (ids only). */
export interface CareEventPayload {
  doctorId: string;
  patientId: string;
}
