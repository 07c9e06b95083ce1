// Every migration of the appointments schema, in order. Add new ones at the end; never edit an applied one.
import { outboxMigration, outboxRetryMigration, type MigrationObject } from '@clinic/service-kit';
import { Migration20261124Appointments } from './m20261124-appointments.ts';
import { Migration20261130ExceptionLocalDates } from './m20261130-exception-local-dates.ts';
import { Migration20261130PageIndexes } from './m20261130-page-indexes.ts';
import { Migration20261130AvailabilityVersions } from './m20261130-availability-versions.ts';

export const migrations: MigrationObject[] = [
  outboxMigration,
  { name: 'm20261124-appointments', class: Migration20261124Appointments },
  { name: 'm20261130-exception-local-dates', class: Migration20261130ExceptionLocalDates },
  outboxRetryMigration,
  { name: 'm20261130-page-indexes', class: Migration20261130PageIndexes },
  { name: 'm20261130-availability-versions', class: Migration20261130AvailabilityVersions },
];
