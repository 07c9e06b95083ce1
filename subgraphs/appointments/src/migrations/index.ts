// Every migration of the appointments schema, in order. Add new ones at the end; never edit an applied one.
import { outboxMigration, outboxRetryMigration, type MigrationObject } from '@clinic/service-kit';
import { Migration20261124Appointments } from './m20261124-appointments.ts';

export const migrations: MigrationObject[] = [
  outboxMigration,
  { name: 'm20261124-appointments', class: Migration20261124Appointments },
  outboxRetryMigration,
];
