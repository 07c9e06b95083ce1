import { Migration } from '@clinic/service-kit';

export class Migration20261124Users extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table users (
      id uuid primary key default gen_random_uuid(),
      email varchar(254) not null,
      display_name varchar(200) not null,
      created_at timestamptz not null default now()
    )`);
    // E-mail is unique regardless of case: sign-in looks users up by lower(email).
    this.addSql(`create unique index users_email_lower_key on users (lower(email))`);
  }
}
