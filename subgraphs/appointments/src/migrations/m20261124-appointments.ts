// The appointments schema. The two exclusion constraints are the double-booking guarantee: Postgres
// refuses (23P01) a live appointment that overlaps another of the same doctor or the same patient.
import { Migration } from '@clinic/service-kit';

export class Migration20261124Appointments extends Migration {
  override async up(): Promise<void> {
    // Extensions are database-wide: serialise concurrent first migrations of several schemas, and keep
    // the extension in `public` so dropping one service's schema never drops it for the others.
    this.addSql(`select pg_advisory_xact_lock(hashtext('clinic:btree_gist'))`);
    this.addSql(`create extension if not exists btree_gist with schema public`);

    this.addSql(`create table doctor_directory (
      doctor_id uuid primary key,
      specialisations text[] not null default '{}',
      languages text[] not null default '{}',
      time_zone text not null,
      consultation_types text[] not null default '{}',
      active boolean not null default true,
      source_event_at timestamptz not null
    )`);
    this.addSql(`create index doctor_directory_specialisations_idx on doctor_directory using gin (specialisations) where active`);
    this.addSql(`create index doctor_directory_languages_idx on doctor_directory using gin (languages) where active`);

    this.addSql(`create table doctor_settings (
      doctor_id uuid primary key,
      auto_approve_all boolean not null default false,
      auto_approve_types text[] not null default '{}',
      updated_at timestamptz not null default now()
    )`);

    this.addSql(`create table schedule_rules (
      id uuid primary key,
      doctor_id uuid not null,
      kind text not null check (kind in ('WEEKLY','RECURRING')),
      weekdays int[] not null default '{}',
      rrule text null,
      start_time char(5) not null,
      end_time char(5) not null,
      valid_from char(10) not null,
      valid_until char(10) null,
      slot_minutes int not null check (slot_minutes between 5 and 480),
      buffer_minutes int not null default 0 check (buffer_minutes between 0 and 240),
      consultation_type text not null,
      created_by uuid not null,
      created_at timestamptz not null default now()
    )`);
    this.addSql(`create index schedule_rules_doctor_idx on schedule_rules (doctor_id)`);

    this.addSql(`create table schedule_exceptions (
      id uuid primary key,
      doctor_id uuid null,
      kind text not null check (kind in ('BREAK','DAY_OFF','HOLIDAY','EXTRA_HOURS','EMERGENCY')),
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      slot_minutes int null,
      consultation_type text null,
      label text null,
      created_by uuid not null,
      created_at timestamptz not null default now(),
      check (ends_at > starts_at)
    )`);
    this.addSql(`create index schedule_exceptions_doctor_time_idx on schedule_exceptions using gist (doctor_id, tstzrange(starts_at, ends_at))`);

    this.addSql(`create table appointments (
      id uuid primary key,
      doctor_id uuid not null,
      patient_id uuid not null,
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      during tstzrange generated always as (tstzrange(starts_at, ends_at, '[)')) stored,
      status text not null check (status in ('REQUESTED','APPROVED','DECLINED','CANCELLED','COMPLETED','NO_SHOW','EXPIRED')),
      consultation_type text not null,
      category text not null,
      priority int not null default 0,
      emergency boolean not null default false,
      reason text null,
      requested_at timestamptz not null,
      expires_at timestamptz null,
      decided_at timestamptz null,
      decided_by uuid null,
      updated_at timestamptz not null,
      check (ends_at > starts_at)
    )`);
    this.addSql(`alter table appointments add constraint appointments_no_double_booking
      exclude using gist (doctor_id with =, during with &&) where (status in ('REQUESTED','APPROVED'))`);
    this.addSql(`alter table appointments add constraint appointments_patient_no_overlap
      exclude using gist (patient_id with =, during with &&) where (status in ('REQUESTED','APPROVED'))`);
    this.addSql(`create index appointments_patient_idx on appointments (patient_id, starts_at)`);
    this.addSql(`create index appointments_doctor_idx on appointments (doctor_id, starts_at)`);
    this.addSql(`create index appointments_pending_idx on appointments (doctor_id, priority desc, starts_at) where status = 'REQUESTED'`);
    this.addSql(`create index appointments_expiry_idx on appointments (expires_at) where status = 'REQUESTED'`);

    this.addSql(`create table appointment_events (
      id uuid primary key,
      appointment_id uuid not null references appointments (id) deferrable initially deferred,
      doctor_id uuid not null,
      action text not null,
      from_status text null,
      to_status text not null,
      actor_id uuid null,
      reason text null,
      policy_override boolean not null default false,
      previous_starts_at timestamptz null,
      starts_at timestamptz not null,
      occurred_at timestamptz not null
    )`);
    this.addSql(`create index appointment_events_appointment_idx on appointment_events (appointment_id, occurred_at)`);
    this.addSql(`create index appointment_events_doctor_idx on appointment_events (doctor_id, occurred_at desc)`);

    this.addSql(`create table waitlist_entries (
      id uuid primary key,
      patient_id uuid not null,
      doctor_id uuid not null,
      consultation_type text null,
      window_start timestamptz not null,
      window_end timestamptz not null,
      status text not null check (status in ('WAITING','OFFERED','BOOKED','EXPIRED','CANCELLED')),
      offer_starts_at timestamptz null,
      offer_ends_at timestamptz null,
      offer_consultation_type text null,
      offer_expires_at timestamptz null,
      created_at timestamptz not null,
      check (window_end > window_start)
    )`);
    this.addSql(`create index waitlist_waiting_idx on waitlist_entries (doctor_id, created_at) where status = 'WAITING'`);
    this.addSql(`create index waitlist_offered_idx on waitlist_entries (doctor_id, offer_starts_at) where status = 'OFFERED'`);
    this.addSql(`create index waitlist_offer_expiry_idx on waitlist_entries (offer_expires_at) where status = 'OFFERED'`);
    this.addSql(`create index waitlist_patient_idx on waitlist_entries (patient_id)`);
  }
}
