// Documents shared in chat conversations (attached to a message), and each such conversation's current
// members as chat last told us (a version per conversation: an older list never replaces a newer one).
import { Migration } from '@clinic/service-kit';

export class Migration20261201ConversationShares extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table conversation_shares (
      document_id uuid not null references documents (id),
      conversation_id uuid not null,
      shared_by uuid not null,
      created_at timestamptz not null default now(),
      primary key (document_id, conversation_id)
    )`);
    this.addSql(`create table conversation_members (
      conversation_id uuid primary key,
      member_ids uuid[] not null,
      members_version bigint not null
    )`);
  }
}
