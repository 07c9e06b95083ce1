// The assistant's tables: per-user context, turns (indexed by user and by session, newest first, and by
// time for analytics) and hand-offs (the operator queue reads open ones by priority and age).
import { Migration } from '@clinic/service-kit';

export class Migration20261130Assistant extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table assistant_contexts (
      user_id uuid primary key,
      language varchar(5) not null,
      zone varchar(64) not null,
      flow jsonb null,
      last_doctor_id uuid null,
      misunderstandings int not null default 0,
      updated_at timestamptz not null)`);
    this.addSql(`create table assistant_turns (
      id uuid primary key,
      user_id uuid not null,
      session_id uuid not null,
      author varchar(10) not null check (author in ('BOT', 'OPERATOR')),
      message text null,
      intent varchar(32) null,
      confidence double precision null,
      entities jsonb not null default '[]',
      language varchar(5) not null,
      sentiment varchar(10) null,
      reply text null,
      quick_actions jsonb not null default '[]',
      outcome varchar(32) null,
      handoff_id uuid null,
      created_at timestamptz not null)`);
    this.addSql(`create index assistant_turns_user_idx on assistant_turns (user_id, created_at desc)`);
    this.addSql(`create index assistant_turns_session_idx on assistant_turns (session_id, created_at)`);
    this.addSql(`create index assistant_turns_created_idx on assistant_turns (created_at)`);
    this.addSql(`create table assistant_handoffs (
      id uuid primary key,
      user_id uuid not null,
      session_id uuid not null,
      priority varchar(10) not null check (priority in ('NORMAL', 'URGENT')),
      reason varchar(32) not null,
      topic varchar(32) not null,
      language varchar(5) not null,
      status varchar(10) not null check (status in ('QUEUED', 'ACTIVE', 'RETURNED')),
      operator_id uuid null,
      created_at timestamptz not null,
      taken_at timestamptz null,
      returned_at timestamptz null)`);
    this.addSql(`create index assistant_handoffs_open_idx on assistant_handoffs (status, priority, created_at) where status <> 'RETURNED'`);
    this.addSql(`create index assistant_handoffs_session_idx on assistant_handoffs (session_id, status)`);
  }
}
