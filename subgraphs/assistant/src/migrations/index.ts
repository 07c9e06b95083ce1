// Every migration of the assistant schema, in order. Add new ones at the end; never edit an applied one.
import { outboxMigration, outboxRetryMigration, type MigrationObject } from '@clinic/service-kit';
import { Migration20261130Assistant } from './m20261130-assistant.ts';
import { Migration20261130Knowledge } from './m20261130-knowledge.ts';
import { Migration20261201ChatTurns } from './m20261201-chat-turns.ts';
import { Migration20261201Analytics } from './m20261201-analytics.ts';

export const migrations: MigrationObject[] = [
  outboxMigration,
  outboxRetryMigration,
  { name: 'm20261130-assistant', class: Migration20261130Assistant },
  { name: 'm20261130-knowledge', class: Migration20261130Knowledge },
  { name: 'm20261201-chat-turns', class: Migration20261201ChatTurns },
  { name: 'm20261201-analytics', class: Migration20261201Analytics },
];
