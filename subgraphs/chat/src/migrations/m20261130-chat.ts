// The chat schema. Bodies and attachment names are stored only as AES-256-GCM ciphertext under a key per
// conversation (itself stored wrapped by the key-encryption key); search goes through message_terms, keyed
// HMACs of words, never the words. Receipts are two cursors per participant (delivered/read up to a seq).
import { Migration } from '@clinic/service-kit';

export class Migration20261130Chat extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table conversations (
      id uuid primary key,
      kind text not null check (kind in ('DIRECT','GROUP','DESK')),
      appointment_id uuid null,
      pair_key text null,
      category text null,
      tags text[] not null default '{}',
      wrapped_key text not null,
      last_seq bigint not null default 0,
      created_by uuid null,
      created_at timestamptz not null default now(),
      last_activity_at timestamptz not null default now()
    )`);
    this.addSql(`create unique index conversations_appointment_idx on conversations (appointment_id) where appointment_id is not null`);
    // One free-standing direct conversation per pair (or per patient at the desk).
    this.addSql(`create unique index conversations_pair_idx on conversations (pair_key) where pair_key is not null and appointment_id is null`);
    this.addSql(`create index conversations_desk_idx on conversations (last_activity_at desc) where kind = 'DESK'`);

    this.addSql(`create table participants (
      conversation_id uuid not null references conversations (id),
      user_id uuid not null,
      role text not null check (role in ('OWNER','MEMBER','OBSERVER')),
      joined_at timestamptz not null default now(),
      left_at timestamptz null,
      archived boolean not null default false,
      delivered_seq bigint not null default 0,
      read_seq bigint not null default 0,
      primary key (conversation_id, user_id)
    )`);
    this.addSql(`create index participants_user_idx on participants (user_id) where left_at is null`);

    this.addSql(`create table messages (
      id uuid primary key,
      conversation_id uuid not null references conversations (id),
      seq bigint not null,
      kind text not null check (kind in ('TEXT','SYSTEM')),
      sender_id uuid null,
      client_message_id varchar(100) null,
      body_enc text null,
      attachments jsonb not null default '[]',
      actions jsonb not null default '[]',
      created_at timestamptz not null default now(),
      edited_at timestamptz null,
      deleted_at timestamptz null,
      unique (conversation_id, seq)
    )`);
    this.addSql(`create unique index messages_client_id_idx on messages (conversation_id, sender_id, client_message_id) where client_message_id is not null`);

    this.addSql(`create table message_terms (
      message_id uuid not null references messages (id) on delete cascade,
      conversation_id uuid not null,
      term text not null,
      primary key (term, conversation_id, message_id)
    )`);
    this.addSql(`create index message_terms_message_idx on message_terms (message_id)`);

    // Appointments as learned from appointments' events: who may write to whom, and whose appointment it is.
    this.addSql(`create table known_appointments (
      appointment_id uuid primary key,
      patient_id uuid not null,
      doctor_id uuid not null,
      status text not null,
      updated_at timestamptz not null default now()
    )`);
    this.addSql(`create index known_appointments_pair_idx on known_appointments (patient_id, doctor_id)`);
    // Appointment events already applied (consumer idempotency by event id).
    this.addSql(`create table processed_events (
      event_id uuid primary key,
      processed_at timestamptz not null default now()
    )`);
  }
}
