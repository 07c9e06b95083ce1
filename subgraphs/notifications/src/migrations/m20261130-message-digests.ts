// The unread-message digest: one row per (recipient, conversation) holding the current window's start and how
// many unread messages were folded into its one notification, so chat's `chat.message_unread` events inside
// the window do not notify again.
import { Migration } from '@clinic/service-kit';

export class Migration20261130MessageDigests extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table message_digests (
      user_id uuid not null,
      conversation_id uuid not null,
      window_started_at timestamptz not null,
      unread_count int not null,
      primary key (user_id, conversation_id)
    )`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table message_digests`);
  }
}
