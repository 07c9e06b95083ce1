// Registration verifies the address before anyone signs in: accounts registered by patients start
// unverified; every existing account, and every one an admin, an import or Microsoft creates, is verified.
import { Migration } from '@clinic/service-kit';

export class Migration20261130EmailVerification extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table users add column email_verified_at timestamptz null default now()`);
    // A link is single-use and expires; it may carry the password chosen by the registration that sent it,
    // so whoever registers an unverified address again cannot set the password the owner will activate.
    this.addSql(`create table email_verifications (
      token_hash varchar(64) primary key, user_id uuid not null references users(id) on delete cascade,
      password_hash text null, expires_at timestamptz not null, used_at timestamptz null,
      created_at timestamptz not null default now())`);
    this.addSql(`create index email_verifications_user_idx on email_verifications (user_id)`);
  }
}
