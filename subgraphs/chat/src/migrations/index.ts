// Every migration of the chat schema, in order. Add new ones at the end; never edit an applied one.
import { outboxMigrations, type MigrationObject } from '@clinic/service-kit';
import { Migration20261130Chat } from './m20261130-chat.ts';
import { Migration20261201Conversations } from './m20261201-conversations.ts';
import { Migration20261202MemberList } from './m20261202-member-list.ts';

export const migrations: MigrationObject[] = [
  ...outboxMigrations,
  { name: 'm20261130-chat', class: Migration20261130Chat },
  { name: 'm20261201-conversations', class: Migration20261201Conversations },
  { name: 'm20261202-member-list', class: Migration20261202MemberList },
];
