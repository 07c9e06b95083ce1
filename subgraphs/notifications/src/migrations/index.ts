// Every migration of the notifications schema, in order. Add new ones at the end; never edit an applied one.
// This service writes no outbox events (it only consumes queues), so it has no outbox table.
import type { MigrationObject } from '@clinic/service-kit';
import { Migration20261130Notifications } from './m20261130-notifications.ts';
import { Migration20261130MessageDigests } from './m20261130-message-digests.ts';
import { Migration20261130DeliveryControls } from './m20261130-delivery-controls.ts';
import { Migration20261130AccountMail } from './m20261130-account-mail.ts';

export const migrations: MigrationObject[] = [
  { name: 'm20261130-notifications', class: Migration20261130Notifications },
  { name: 'm20261130-message-digests', class: Migration20261130MessageDigests },
  { name: 'm20261130-delivery-controls', class: Migration20261130DeliveryControls },
  { name: 'm20261130-account-mail', class: Migration20261130AccountMail },
];
