// Every migration of the documents schema, in order. Add new ones at the end; never edit an applied one.
// Some need the key-encryption keys (they encrypt existing rows), so the list is built with them.
import { outboxMigrations, type MigrationObject } from '@clinic/service-kit';
import type { KeyEncryptionKeys } from '../crypto/key-encryption.ts';
import { Migration20261130Documents } from './m20261130-documents.ts';
import { intakeAnswersSealedMigration } from './m20261201-intake-answers-sealed.ts';
import { Migration20261201ConversationShares } from './m20261201-conversation-shares.ts';

export function documentsMigrations(keys: KeyEncryptionKeys): MigrationObject[] {
  return [
    ...outboxMigrations,
    { name: 'm20261130-documents', class: Migration20261130Documents },
    intakeAnswersSealedMigration(keys),
    { name: 'm20261201-conversation-shares', class: Migration20261201ConversationShares },
  ];
}
