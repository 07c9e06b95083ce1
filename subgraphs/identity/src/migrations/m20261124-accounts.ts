// Accounts and security: roles as data, credentials, sessions with refresh-token families, MFA, profiles,
// the central append-only audit log, security alerts and partner clients.
import { Migration } from '@clinic/service-kit';

const PERMISSIONS: [string, string][] = [
  ['availability:read', 'Read doctors\' free slots'],
  ['appointments:read', 'Read appointments of others'],
  ['appointments:manage', 'Create, move and cancel appointments for others'],
  ['users:read', 'Read other users\' profiles'],
  ['users:manage', 'Create users, assign roles, deactivate, import'],
  ['patients:read', 'Read patient profiles'],
  ['documents:review', 'Review legal documents'],
  ['audit:read', 'Read the audit log, security alerts and compliance reports'],
  ['partners:manage', 'Issue partner clients'],
];

const ROLES: [string, string, string[]][] = [
  ['PATIENT', 'A patient of the clinic', ['availability:read']],
  ['DOCTOR', 'A doctor', ['availability:read', 'appointments:read', 'appointments:manage', 'users:read', 'patients:read']],
  ['JURIST', 'A jurist reviewing documents', ['availability:read', 'users:read', 'documents:review']],
  ['OPERATOR', 'Front desk / call centre', ['availability:read', 'appointments:read', 'appointments:manage', 'users:read', 'patients:read']],
  ['ADMIN', 'Administrator', PERMISSIONS.map(([p]) => p)],
];

export class Migration20261124Accounts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table users
      add column password_hash text null,
      add column status varchar(20) not null default 'ACTIVE',
      add column mfa_secret varchar(64) null,
      add column mfa_pending_secret varchar(64) null,
      add column mfa_enabled boolean not null default false,
      add column failed_sign_ins int not null default 0,
      add column locked_until timestamptz null,
      add column azure_tenant_id varchar(64) null,
      add column azure_object_id varchar(64) null,
      add column preferences jsonb not null default '{}',
      add column custom_fields jsonb not null default '{}',
      add column updated_at timestamptz not null default now()`);
    this.addSql(`create unique index users_azure_key on users (azure_tenant_id, azure_object_id) where azure_object_id is not null`);
    this.addSql(`create index users_display_name_idx on users (lower(display_name) text_pattern_ops)`);
    this.addSql(`create index users_email_prefix_idx on users (lower(email) text_pattern_ops)`);

    this.addSql(`create table permissions (name varchar(64) primary key, description varchar(200) not null default '')`);
    this.addSql(`create table roles (name varchar(40) primary key, description varchar(200) not null default '', custom_field_schema jsonb not null default '{}')`);
    this.addSql(`create table role_permissions (role varchar(40) not null references roles(name) on delete cascade, permission varchar(64) not null references permissions(name) on delete cascade, primary key (role, permission))`);
    this.addSql(`create table user_roles (user_id uuid not null references users(id) on delete cascade, role varchar(40) not null references roles(name), granted_at timestamptz not null default now(), primary key (user_id, role))`);
    this.addSql(`create index user_roles_role_idx on user_roles (role)`);
    for (const [name, description] of PERMISSIONS) this.addSql(`insert into permissions (name, description) values ('${name}', '${description.replace(/'/g, "''")}')`);
    for (const [name, description, perms] of ROLES) {
      this.addSql(`insert into roles (name, description) values ('${name}', '${description}')`);
      for (const p of perms) this.addSql(`insert into role_permissions (role, permission) values ('${name}', '${p}')`);
    }

    // A session is one refresh-token family: rotating hands out a new token and retires the old one;
    // presenting a retired token again means it leaked, and the whole family is revoked.
    this.addSql(`create table sessions (
      id uuid primary key, user_id uuid not null references users(id) on delete cascade,
      created_at timestamptz not null default now(), last_used_at timestamptz not null default now(),
      expires_at timestamptz not null, revoked_at timestamptz null, revoked_reason varchar(40) null,
      ip varchar(64) null, user_agent varchar(300) null, method varchar(20) not null default 'PASSWORD')`);
    this.addSql(`create index sessions_user_idx on sessions (user_id, created_at desc)`);
    this.addSql(`create table refresh_tokens (
      token_hash char(64) primary key, session_id uuid not null references sessions(id) on delete cascade,
      created_at timestamptz not null default now(), rotated_at timestamptz null)`);
    this.addSql(`create index refresh_tokens_session_idx on refresh_tokens (session_id)`);

    this.addSql(`create table sign_in_attempts (
      id bigserial primary key, user_id uuid null, ip varchar(64) null, ip_range varchar(64) null,
      succeeded boolean not null, at timestamptz not null default now())`);
    this.addSql(`create index sign_in_attempts_ip_idx on sign_in_attempts (ip, at) where not succeeded`);
    this.addSql(`create index sign_in_attempts_user_idx on sign_in_attempts (user_id, succeeded, ip_range)`);

    this.addSql(`create table security_alerts (
      id uuid primary key default gen_random_uuid(), kind varchar(40) not null, user_id uuid null, ip varchar(64) null,
      detail jsonb not null default '{}', created_at timestamptz not null default now(), acknowledged_at timestamptz null)`);
    this.addSql(`create index security_alerts_created_idx on security_alerts (created_at desc)`);

    this.addSql(`create table mfa_recovery_codes (user_id uuid not null references users(id) on delete cascade, code_hash char(64) not null, used_at timestamptz null, primary key (user_id, code_hash))`);
    this.addSql(`create table password_resets (
      token_hash char(64) primary key, user_id uuid not null references users(id) on delete cascade,
      created_at timestamptz not null default now(), expires_at timestamptz not null, used_at timestamptz null)`);
    this.addSql(`create index password_resets_user_idx on password_resets (user_id)`);

    this.addSql(`create table doctor_profiles (
      user_id uuid primary key references users(id) on delete cascade,
      specialisations jsonb not null default '[]', qualifications jsonb not null default '[]', languages jsonb not null default '[]',
      bio varchar(4000) not null default '', clinic varchar(200) not null default '', time_zone varchar(64) not null default 'UTC',
      consultation_types jsonb not null default '[]', updated_at timestamptz not null default now())`);
    this.addSql(`create table patient_profiles (
      user_id uuid primary key references users(id) on delete cascade,
      date_of_birth date null, phone varchar(40) null, address varchar(500) null,
      emergency_contact jsonb null, insurance jsonb null, updated_at timestamptz not null default now())`);

    // Append-only: the id is the audit event's id (consumers are idempotent on it); no update, no delete.
    this.addSql(`create table audit_log (
      id uuid primary key, occurred_at timestamptz not null, recorded_at timestamptz not null default now(),
      service varchar(40) not null default 'identity', action varchar(80) not null, resource_type varchar(60) not null,
      resource_id varchar(100) null, subject_user_id uuid null, outcome varchar(10) not null,
      actor_id varchar(100) null, actor_kind varchar(20) not null, request_id varchar(128) null, ip varchar(64) null,
      detail jsonb not null default '{}')`);
    this.addSql(`create index audit_log_subject_idx on audit_log (subject_user_id, occurred_at)`);
    this.addSql(`create index audit_log_actor_idx on audit_log (actor_id, occurred_at)`);
    this.addSql(`create index audit_log_occurred_idx on audit_log (occurred_at)`);
    this.addSql(`create function audit_log_append_only() returns trigger language plpgsql as $$
      begin raise exception 'audit_log is append-only'; end $$`);
    this.addSql(`create trigger audit_log_no_change before update or delete on audit_log for each row execute function audit_log_append_only()`);

    // Microsoft sign-in in flight: state → PKCE verifier and nonce (in the database, so any replica can finish it).
    this.addSql(`create table oauth_states (
      state_hash char(64) primary key, code_verifier varchar(200) not null, nonce varchar(100) not null,
      expires_at timestamptz not null)`);

    this.addSql(`create table partner_clients (
      id varchar(64) primary key, name varchar(200) not null, secret_hash text not null, scopes jsonb not null,
      created_by uuid null, created_at timestamptz not null default now(), revoked_at timestamptz null)`);
  }
}
