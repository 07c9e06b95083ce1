// A document (one patient's file, e.g. a lab result) and its versions. Versions are immutable: a new
// upload or a restore adds a row; erasure clears the stored bytes and wrapped key but keeps the row.
import { BigIntType, EntitySchema } from '@mikro-orm/postgresql';

export interface Document {
  id: string;
  ownerId: string;
  type: string;
  appointmentId: string | null;
  currentVersion: number;
  createdAt: Date;
  updatedAt: Date;
  /** Soft delete by the owner: hidden from everyone, bytes kept. */
  deletedAt: Date | null;
  /** Erasure by an admin: bytes removed, the record kept for the audit trail. */
  erasedAt: Date | null;
}

export const DocumentSchema = new EntitySchema<Document>({
  name: 'Document',
  tableName: 'documents',
  properties: {
    id: { type: 'uuid', primary: true },
    ownerId: { type: 'uuid', fieldName: 'owner_id' },
    type: { type: 'string' },
    appointmentId: { type: 'uuid', fieldName: 'appointment_id', nullable: true },
    currentVersion: { type: 'integer', fieldName: 'current_version' },
    createdAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'created_at' },
    updatedAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'updated_at' },
    deletedAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'deleted_at', nullable: true },
    erasedAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'erased_at', nullable: true },
  },
});

export interface DocumentVersion {
  id: string;
  documentId: string;
  version: number;
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
  /** Null once erased. */
  storageKey: string | null;
  wrappedKey: Buffer | null;
  kekId: string | null;
  /** The encrypted PNG thumbnail (images), made once per version; null when there is none. */
  previewKey: string | null;
  uploadedBy: string;
  /** The version this one restores, when it was made by restoring an older one. */
  restoredFrom: number | null;
  createdAt: Date;
}

export const DocumentVersionSchema = new EntitySchema<DocumentVersion>({
  name: 'DocumentVersion',
  tableName: 'document_versions',
  properties: {
    id: { type: 'uuid', primary: true },
    documentId: { type: 'uuid', fieldName: 'document_id' },
    version: { type: 'integer' },
    fileName: { type: 'string', fieldName: 'file_name' },
    contentType: { type: 'string', fieldName: 'content_type' },
    size: { type: new BigIntType('number'), fieldName: 'size' },
    sha256: { type: 'string' },
    storageKey: { type: 'string', fieldName: 'storage_key', nullable: true },
    wrappedKey: { type: 'Buffer', columnType: 'bytea', fieldName: 'wrapped_key', nullable: true },
    kekId: { type: 'string', fieldName: 'kek_id', nullable: true },
    previewKey: { type: 'string', fieldName: 'preview_key', nullable: true },
    uploadedBy: { type: 'uuid', fieldName: 'uploaded_by' },
    restoredFrom: { type: 'integer', fieldName: 'restored_from', nullable: true },
    createdAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'created_at' },
  },
});

/** A document shared with one doctor until revoked. */
export interface DocumentShare {
  documentId: string;
  doctorId: string;
  sharedBy: string;
  createdAt: Date;
}

export const DocumentShareSchema = new EntitySchema<DocumentShare>({
  name: 'DocumentShare',
  tableName: 'document_shares',
  properties: {
    documentId: { type: 'uuid', primary: true, fieldName: 'document_id' },
    doctorId: { type: 'uuid', primary: true, fieldName: 'doctor_id' },
    sharedBy: { type: 'uuid', fieldName: 'shared_by' },
    createdAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'created_at' },
  },
});

/** A granted, not yet used, upload: what may be uploaded, by whom, until when. */
export interface UploadTicket {
  id: string;
  userId: string;
  /** Who will own the document: the uploader, or the patient of the appointment it is attached to. */
  ownerId: string;
  /** The document the upload creates (new) or adds a version to. */
  documentId: string;
  newDocument: boolean;
  type: string;
  fileName: string;
  size: number;
  appointmentId: string | null;
  expiresAt: Date;
  usedAt: Date | null;
}

export const UploadTicketSchema = new EntitySchema<UploadTicket>({
  name: 'UploadTicket',
  tableName: 'upload_tickets',
  properties: {
    id: { type: 'uuid', primary: true },
    userId: { type: 'uuid', fieldName: 'user_id' },
    ownerId: { type: 'uuid', fieldName: 'owner_id' },
    documentId: { type: 'uuid', fieldName: 'document_id' },
    newDocument: { type: 'boolean', fieldName: 'new_document' },
    type: { type: 'string' },
    fileName: { type: 'string', fieldName: 'file_name' },
    size: { type: 'integer' },
    appointmentId: { type: 'uuid', fieldName: 'appointment_id', nullable: true },
    expiresAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'expires_at' },
    usedAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'used_at', nullable: true },
  },
});

/** Who takes part in an appointment, and when it is (a projection of the appointments service's events). */
export interface AppointmentParty {
  appointmentId: string;
  patientId: string;
  doctorId: string;
  startsAt: Date;
  endsAt: Date;
  consultationType: string;
  status: string;
  sourceEventAt: Date;
}

export const AppointmentPartySchema = new EntitySchema<AppointmentParty>({
  name: 'AppointmentParty',
  tableName: 'appointment_parties',
  properties: {
    appointmentId: { type: 'uuid', primary: true, fieldName: 'appointment_id' },
    patientId: { type: 'uuid', fieldName: 'patient_id' },
    doctorId: { type: 'uuid', fieldName: 'doctor_id' },
    startsAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'starts_at' },
    endsAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'ends_at' },
    consultationType: { type: 'string', fieldName: 'consultation_type' },
    status: { type: 'string' },
    sourceEventAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'source_event_at' },
  },
});

/**
 * The latest pre-appointment form answers of an appointment, and the PDF they were turned into. The
 * answers are sealed (`crypto/sealed-value.ts`, bound to the appointment id): never plaintext at rest.
 */
export interface IntakeSubmission {
  appointmentId: string;
  documentId: string;
  formId: string;
  answersEnc: Buffer;
  wrappedKey: Buffer;
  kekId: string;
  submittedBy: string;
  submittedAt: Date;
}

export const IntakeSubmissionSchema = new EntitySchema<IntakeSubmission>({
  name: 'IntakeSubmission',
  tableName: 'intake_submissions',
  properties: {
    appointmentId: { type: 'uuid', primary: true, fieldName: 'appointment_id' },
    documentId: { type: 'uuid', fieldName: 'document_id' },
    formId: { type: 'string', fieldName: 'form_id' },
    answersEnc: { type: 'Buffer', columnType: 'bytea', fieldName: 'answers_enc' },
    wrappedKey: { type: 'Buffer', columnType: 'bytea', fieldName: 'wrapped_key' },
    kekId: { type: 'string', fieldName: 'kek_id' },
    submittedBy: { type: 'uuid', fieldName: 'submitted_by' },
    submittedAt: { type: 'Date', columnType: 'timestamptz', fieldName: 'submitted_at' },
  },
});
