// Chat proofs the assistant has exchanged for a patient's delegated token: each is spent once (a replay is
// refused). Rows older than a day are deleted on the next exchange (a proof lives two minutes).
import { Migration } from '@clinic/service-kit';

export class Migration20261201DelegationProofs extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table delegation_proofs (
      message_id uuid primary key,
      user_id uuid not null,
      used_at timestamptz not null default now()
    )`);
    this.addSql(`create index delegation_proofs_used_at on delegation_proofs (used_at)`);
  }
}
