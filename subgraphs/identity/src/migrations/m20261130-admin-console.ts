// The admin console: users found by any part of their name or address, case- and accent-insensitively
// (a folded column with a trigram index), and security alerts an admin acknowledges and resolves.
import { Migration } from '@clinic/service-kit';

// Lower case and Latin letters without their marks (Romanian ă â î ș ț, the cedilla forms, and common
// European ones): translate() is immutable, so the folded value can be a stored generated column.
const MARKED = 'ăâîșşțţáàäãåéèëêíìïóòöõôøúùüûñçćčśšźżžłőűýÿđ';
const PLAIN = 'aaissttaaaaaeeeeiiioooooouuuuncccsszzzlouyyd';

export class Migration20261130AdminConsole extends Migration {
  override async up(): Promise<void> {
    // pg_trgm is trusted (no superuser needed) and ships with PGlite; two services migrating at once
    // may both try to create it, hence the guard.
    this.addSql(`do $$ begin create extension if not exists pg_trgm with schema public;
      exception when unique_violation or duplicate_object then null; end $$`);
    this.addSql(`create function fold_search(value text) returns text language sql immutable parallel safe
      as $$ select translate(lower(value), '${MARKED}${MARKED.toUpperCase()}', '${PLAIN}${PLAIN}') $$`);
    this.addSql(`alter table users add column search_text text generated always as (fold_search(display_name || ' ' || email)) stored`);
    // The extension's operator class lives wherever pg_trgm was installed (public unless already elsewhere).
    this.addSql(`do $$ declare s text; begin
      select extnamespace::regnamespace::text into s from pg_extension where extname = 'pg_trgm';
      execute format('create index users_search_trgm on users using gin (search_text %s.gin_trgm_ops)', s);
    end $$`);

    // OPEN → ACKNOWLEDGED → RESOLVED (or OPEN → RESOLVED), with who and when.
    this.addSql(`alter table security_alerts
      add column state varchar(20) not null default 'OPEN',
      add column acknowledged_by uuid null,
      add column resolved_at timestamptz null,
      add column resolved_by uuid null,
      add column resolution_note text null`);
    this.addSql(`create index security_alerts_state_idx on security_alerts (state, created_at desc)`);
  }
}
