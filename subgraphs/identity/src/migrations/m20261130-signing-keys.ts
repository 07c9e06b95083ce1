// The signing-key store shared by every identity replica: private keys encrypted with the configured
// key-encryption key, one `current` (signs), one `next` (already published, signs after rotation), and
// `retired` ones still published until the tokens they signed have expired.
import { Migration } from '@clinic/service-kit';

export class Migration20261130SigningKeys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table signing_keys (
      kid varchar(64) primary key,
      state varchar(10) not null check (state in ('next', 'current', 'retired')),
      private_jwk text not null,
      public_jwk jsonb not null,
      created_at timestamptz not null default now(),
      activated_at timestamptz null,
      retired_at timestamptz null
    )`);
    this.addSql(`create unique index signing_keys_one_current on signing_keys (state) where state = 'current'`);
    this.addSql(`create unique index signing_keys_one_next on signing_keys (state) where state = 'next'`);
  }
}
