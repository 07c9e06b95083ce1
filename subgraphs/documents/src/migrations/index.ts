// Every migration of the documents schema, in order. Add new ones at the end; never edit an applied one.
import { outboxMigrations, type MigrationObject } from '@clinic/service-kit';
import { Migration20261130Documents } from './m20261130-documents.ts';

export const migrations: MigrationObject[] = [...outboxMigrations, { name: 'm20261130-documents', class: Migration20261130Documents }];
