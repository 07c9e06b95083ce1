// Every migration of the identity schema, in order. Add new ones at the end; never edit an applied one.
import { outboxMigration, outboxRetryMigration, type MigrationObject } from '@clinic/service-kit';
import { Migration20261124Users } from './m20261124-users.ts';
import { Migration20261124Accounts } from './m20261124-accounts.ts';
import { Migration20261130SigningKeys } from './m20261130-signing-keys.ts';
import { Migration20261130Security } from './m20261130-security.ts';
import { Migration20261130AdminConsole } from './m20261130-admin-console.ts';
import { Migration20261130EmailVerification } from './m20261130-email-verification.ts';
import { Migration20261201DelegationProofs } from './m20261201-delegation-proofs.ts';

export const migrations: MigrationObject[] = [
  { name: 'm20261124-users', class: Migration20261124Users },
  outboxMigration,
  { name: 'm20261124-accounts', class: Migration20261124Accounts },
  outboxRetryMigration,
  { name: 'm20261130-signing-keys', class: Migration20261130SigningKeys },
  { name: 'm20261130-security', class: Migration20261130Security },
  { name: 'm20261130-admin-console', class: Migration20261130AdminConsole },
  { name: 'm20261130-email-verification', class: Migration20261130EmailVerification },
  { name: 'm20261201-delegation-proofs', class: Migration20261201DelegationProofs },
];
