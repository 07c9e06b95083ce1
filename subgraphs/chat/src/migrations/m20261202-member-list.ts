// Each conversation's current members, kept on its row by a trigger on participants (every way of joining,
// leaving or being removed goes through that table). A send bumps the conversation's row anyway, so it reads
// the members there under the row lock: a member removal, which writes the same row in its transaction, is
// either committed before the message (and the list leaves them out) or waits for it. The live event then
// carries that list, and no replica has to read the message back to decide who may see it.
import { Migration } from '@clinic/service-kit';

export class Migration20261202MemberList extends Migration {
  override async up(): Promise<void> {
    // No membership change between the list's first fill and its trigger (a running replica's, during a deploy).
    this.addSql(`lock table participants in share row exclusive mode`);
    this.addSql(`alter table conversations add column member_ids uuid[] not null default '{}'`);
    // The row is locked first, and the list read in a statement of its own afterwards (a fresh snapshot under
    // READ COMMITTED): two concurrent changes then never compute the list from the same stale snapshot. The lock
    // is the one any update of the row takes (no key update): a participant's insert holds a key share on the
    // row for its foreign key, which a full `for update` would deadlock with.
    this.addSql(`create function chat_refresh_member_ids() returns trigger language plpgsql as $$
      declare
        conv uuid := case tg_op when 'DELETE' then old.conversation_id else new.conversation_id end;
      begin
        perform 1 from conversations where id = conv for no key update;
        update conversations set member_ids = array(select p.user_id from participants p where p.conversation_id = conv and p.left_at is null order by p.user_id) where id = conv;
        return null;
      end $$`);
    this.addSql(`create trigger participants_member_ids after insert or delete or update of left_at on participants
      for each row execute function chat_refresh_member_ids()`);
    this.addSql(`update conversations c set member_ids = array(select p.user_id from participants p where p.conversation_id = c.id and p.left_at is null order by p.user_id)`);
  }
}
