// Delivery controls added after the first release: the instant by which a reminder e-mail must be confirmed
// delivered (else it fails over), per-recipient hourly send windows per channel (the frequency cap), browser
// and mobile push devices, and the VAPID key pair generated for a start without configured keys.
import { Migration } from '@clinic/service-kit';

export class Migration20261130DeliveryControls extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table delivery_attempts add column deliver_by timestamptz null`);
    // When a deferred attempt (quiet hours, hourly cap, digest window) may go out: the sweeper keeps to it.
    this.addSql(`alter table delivery_attempts add column not_before timestamptz null`);
    // The app path a push notification opens.
    this.addSql(`alter table delivery_attempts add column link varchar(300) null`);
    // The appointment a CHAT-channel message belongs to (its conversation).
    this.addSql(`alter table delivery_attempts add column appointment_id uuid null`);
    // The sweeper's path: sent reminder e-mails still waiting for their delivery confirmation.
    this.addSql(`create index delivery_attempts_deliver_by_idx on delivery_attempts (deliver_by) where deliver_by is not null`);
    this.addSql(`create table send_windows (
      user_id uuid not null,
      channel varchar(10) not null,
      window_start timestamptz not null,
      sent int not null,
      primary key (user_id, channel, window_start)
    )`);
    this.addSql(`create table push_devices (
      id uuid primary key,
      user_id uuid not null,
      platform varchar(10) not null,
      endpoint varchar(1000) null,
      p256dh varchar(200) null,
      auth varchar(100) null,
      token varchar(4096) null,
      label varchar(100) null,
      created_at timestamptz not null default now(),
      last_used_at timestamptz null,
      device_key varchar(64) not null unique
    )`);
    this.addSql(`create index push_devices_user_idx on push_devices (user_id)`);
    this.addSql(`create table vapid_keys (id int primary key, public_key varchar(200) not null, private_key varchar(200) not null, created_at timestamptz not null default now())`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table vapid_keys`);
    this.addSql(`drop table push_devices`);
    this.addSql(`drop table send_windows`);
    this.addSql(`alter table delivery_attempts drop column not_before`);
    this.addSql(`alter table delivery_attempts drop column link`);
    this.addSql(`alter table delivery_attempts drop column appointment_id`);
    this.addSql(`alter table delivery_attempts drop column deliver_by`);
  }
}
