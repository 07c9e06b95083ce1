// Filtering a user's conversations by tags (every given tag: `tags @> …`, a GIN index) and by category;
// and a version of each conversation's member list, which documents uses to keep the newest list (who
// may read the documents attached in the conversation).
import { Migration } from '@clinic/service-kit';

export class Migration20261201Conversations extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index conversations_tags_idx on conversations using gin (tags)`);
    this.addSql(`create index conversations_category_idx on conversations (category, last_activity_at desc) where category is not null`);
    this.addSql(`alter table conversations add column members_version bigint not null default 0`);
  }
}
