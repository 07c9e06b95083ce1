// Account-safety hardening: who is whose doctor (fed by appointments' events, so identity never reads
// another service's tables), single-use TOTP steps and MFA challenges, per-address mail limits, and
// doctors reading only their own patients (no clinic-wide users:read / patients:read for DOCTOR).
import { Migration } from '@clinic/service-kit';

export class Migration20261130Security extends Migration {
  override async up(): Promise<void> {
    // One row per doctor–patient pair that ever had an appointment (past or future).
    this.addSql(`create table care_relationships (
      doctor_id uuid not null, patient_id uuid not null, first_event_id uuid not null,
      created_at timestamptz not null default now(), primary key (doctor_id, patient_id))`);
    this.addSql(`create index care_relationships_patient_idx on care_relationships (patient_id)`);
    this.addSql(`delete from role_permissions where role = 'DOCTOR' and permission in ('users:read', 'patients:read')`);

    // The last TOTP time-step accepted per user: a code (or an earlier one) is never accepted twice.
    this.addSql(`alter table users add column totp_last_step bigint null`);
    this.addSql(`create table used_mfa_challenges (jti uuid primary key, expires_at timestamptz not null)`);
    this.addSql(`create index used_mfa_challenges_expires_idx on used_mfa_challenges (expires_at)`);

    // Mails an address may trigger without signing in (reset links, "you already have an account").
    this.addSql(`create table account_mails (
      user_id uuid not null references users(id) on delete cascade, kind varchar(40) not null,
      created_at timestamptz not null default now())`);
    this.addSql(`create index account_mails_user_idx on account_mails (user_id, created_at)`);
  }
}
