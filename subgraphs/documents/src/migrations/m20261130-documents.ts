// The documents schema: documents, their immutable versions (ciphertext location + wrapped data key),
// shares with doctors, single-use upload tickets, and each appointment's participants and time.
import { Migration } from '@clinic/service-kit';

export class Migration20261130Documents extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table documents (
      id uuid primary key,
      owner_id uuid not null,
      type text not null,
      appointment_id uuid null,
      current_version int not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      deleted_at timestamptz null,
      erased_at timestamptz null
    )`);
    this.addSql(`create index documents_owner_idx on documents (owner_id, created_at desc)`);
    this.addSql(`create index documents_appointment_idx on documents (appointment_id) where appointment_id is not null`);

    this.addSql(`create table document_versions (
      id uuid primary key,
      document_id uuid not null references documents (id),
      version int not null,
      file_name text not null,
      content_type text not null,
      size bigint not null,
      sha256 char(64) not null,
      storage_key text null,
      wrapped_key bytea null,
      kek_id text null,
      preview_key text null,
      uploaded_by uuid not null,
      restored_from int null,
      created_at timestamptz not null default now(),
      unique (document_id, version)
    )`);
    this.addSql(`create index document_versions_kek_idx on document_versions (kek_id) where kek_id is not null`);

    this.addSql(`create table document_shares (
      document_id uuid not null references documents (id),
      doctor_id uuid not null,
      shared_by uuid not null,
      created_at timestamptz not null default now(),
      primary key (document_id, doctor_id)
    )`);
    this.addSql(`create index document_shares_doctor_idx on document_shares (doctor_id)`);

    this.addSql(`create table upload_tickets (
      id uuid primary key,
      user_id uuid not null,
      owner_id uuid not null,
      document_id uuid not null,
      new_document boolean not null,
      type text not null,
      file_name text not null,
      size int not null,
      appointment_id uuid null,
      expires_at timestamptz not null,
      used_at timestamptz null
    )`);
    this.addSql(`create index upload_tickets_expiry_idx on upload_tickets (expires_at)`);

    this.addSql(`create table appointment_parties (
      appointment_id uuid primary key,
      patient_id uuid not null,
      doctor_id uuid not null,
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      consultation_type text not null,
      status text not null,
      source_event_at timestamptz not null
    )`);

    this.addSql(`create table intake_submissions (
      appointment_id uuid primary key,
      document_id uuid not null references documents (id),
      form_id text not null,
      answers jsonb not null,
      submitted_by uuid not null,
      submitted_at timestamptz not null
    )`);
  }
}
