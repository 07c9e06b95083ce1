// Analytics: a satisfaction rating per conversation (asked once it is resolved), the context remembering which
// conversation awaits one, staff-labelled examples that extend the rules (one per folded text and language),
// and an index for listing what the assistant did not understand.
import { Migration } from '@clinic/service-kit';

export class Migration20261201Analytics extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table assistant_ratings (
      session_id uuid primary key,
      user_id uuid not null,
      rating smallint not null check (rating between 1 and 5),
      created_at timestamptz not null)`);
    this.addSql(`create index assistant_ratings_created_idx on assistant_ratings (created_at)`);
    this.addSql(`alter table assistant_contexts add column rating_session_id uuid null`);
    this.addSql(`create table assistant_labelled_examples (
      id uuid primary key,
      language varchar(5) not null check (language in ('en', 'ro')),
      text text not null,
      folded_text text not null,
      intent varchar(32) not null,
      entities jsonb not null default '[]',
      labelled_by uuid not null,
      created_at timestamptz not null,
      unique (language, folded_text))`);
    this.addSql(`create index assistant_turns_unrecognised_idx on assistant_turns (created_at) where outcome = 'FALLBACK' or intent = 'OUT_OF_SCOPE'`);
  }
}
