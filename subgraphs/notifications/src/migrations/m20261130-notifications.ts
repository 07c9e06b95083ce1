// The notifications schema: preferences and role defaults, settings (zone, quiet hours, consent), a mirror of
// appointment times, reminders with their unique (appointment, offset, channel) key, in-app notifications,
// delivery attempts, templates, the developer inbox, processed events and webhook receipts (replays).
import { Migration } from '@clinic/service-kit';

export class Migration20261130Notifications extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table notification_settings (
      user_id uuid primary key,
      role varchar(40) not null default 'PATIENT',
      time_zone varchar(64) not null default 'Europe/Bucharest',
      locale varchar(5) not null default 'ro',
      quiet_start varchar(5) null,
      quiet_end varchar(5) null,
      reminder_offsets jsonb null,
      sms_consent_granted boolean null,
      sms_consent_method varchar(80) null,
      sms_consent_at timestamptz null,
      email_failing boolean not null default false,
      sms_failing boolean not null default false,
      updated_at timestamptz not null default now()
    )`);
    this.addSql(`create table notification_preferences (
      user_id uuid not null, type varchar(30) not null, channel varchar(10) not null, enabled boolean not null,
      primary key (user_id, type, channel)
    )`);
    this.addSql(`create table role_notification_defaults (
      role varchar(40) not null, type varchar(30) not null, channel varchar(10) not null, enabled boolean not null,
      primary key (role, type, channel)
    )`);
    this.addSql(`create table appointment_mirror (
      appointment_id uuid primary key,
      patient_id uuid not null,
      doctor_id uuid not null,
      status varchar(20) not null,
      starts_at timestamptz not null,
      consultation_type varchar(20) not null,
      occurred_at timestamptz not null
    )`);
    this.addSql(`create table reminders (
      id uuid primary key,
      appointment_id uuid not null,
      patient_id uuid not null,
      doctor_id uuid not null,
      offset_minutes int not null,
      channel varchar(10) not null,
      starts_at timestamptz not null,
      due_at timestamptz not null,
      status varchar(12) not null,
      sent_at timestamptz null,
      constraint reminders_once unique (appointment_id, offset_minutes, channel)
    )`);
    // The sweeper's path: pending rows by due instant.
    this.addSql(`create index reminders_pending_idx on reminders (due_at) where status = 'PENDING'`);
    this.addSql(`create table notifications (
      id uuid primary key,
      user_id uuid not null,
      type varchar(30) not null,
      title varchar(300) not null,
      body text not null,
      appointment_id uuid null,
      dedupe_key varchar(200) not null unique,
      created_at timestamptz not null default now(),
      read_at timestamptz null
    )`);
    this.addSql(`create index notifications_user_idx on notifications (user_id, created_at desc)`);
    this.addSql(`create index notifications_unread_idx on notifications (user_id) where read_at is null`);
    this.addSql(`create table delivery_attempts (
      id uuid primary key,
      dedupe_key varchar(200) not null unique,
      user_id uuid not null,
      type varchar(30) not null,
      channel varchar(10) not null,
      reminder_id uuid null,
      subject varchar(300) null,
      body text not null,
      status varchar(12) not null,
      provider_message_id varchar(100) null,
      attempts int not null default 0,
      error varchar(500) null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);
    this.addSql(`create index delivery_attempts_provider_idx on delivery_attempts (provider_message_id)`);
    this.addSql(`create index delivery_attempts_status_idx on delivery_attempts (status, updated_at)`);
    this.addSql(`create table notification_templates (
      id uuid primary key,
      type varchar(30) not null, channel varchar(10) not null, locale varchar(5) not null, version int not null,
      subject varchar(300) null, body text not null,
      created_by uuid null,
      created_at timestamptz not null default now(),
      unique (type, channel, locale, version)
    )`);
    this.addSql(`create table dev_messages (
      id uuid primary key, channel varchar(10) not null, recipient varchar(254) not null,
      subject varchar(300) null, body text not null, headers jsonb not null default '{}',
      created_at timestamptz not null default now()
    )`);
    this.addSql(`create index dev_messages_created_idx on dev_messages (created_at desc)`);
    this.addSql(`create table processed_events (event_id uuid primary key, processed_at timestamptz not null default now())`);
    this.addSql(`create table webhook_receipts (id varchar(200) primary key, received_at timestamptz not null default now())`);
  }
}
