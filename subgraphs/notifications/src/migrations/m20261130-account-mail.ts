// Identity's account mails (verify, reset, already registered) go to the address the link was issued for, and
// carry a single-use link that must not outlive the send in this database.
import { Migration } from '@clinic/service-kit';

export class Migration20261130AccountMail extends Migration {
  override async up(): Promise<void> {
    // The recipient's address when the mail is for an address, not whatever identity has on file at send time.
    this.addSql(`alter table delivery_attempts add column address varchar(320) null`);
    // The single-use link, put into the body only when sending and cleared as soon as the attempt is settled.
    this.addSql(`alter table delivery_attempts add column secret_link varchar(2000) null`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table delivery_attempts drop column secret_link`);
    this.addSql(`alter table delivery_attempts drop column address`);
  }
}
