// Turns that answer a chat message remember which one, once: a redelivered chat event finds its turn
// instead of answering twice.
import { Migration } from '@clinic/service-kit';

export class Migration20261201ChatTurns extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table assistant_turns add column chat_message_id uuid null`);
    this.addSql(`create unique index assistant_turns_chat_message_idx on assistant_turns (chat_message_id) where chat_message_id is not null`);
  }
}
