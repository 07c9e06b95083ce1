// The first administrator: on a fresh install nobody can create staff yet, so IDENTITY_ADMIN_EMAIL and
// IDENTITY_ADMIN_PASSWORD (if set) create an ADMIN once, when no account with that e-mail exists.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '@clinic/service-kit';
import { inTransaction, queryOne } from '../db.ts';
import { createUser } from './auth.ts';

export async function ensureBootstrapAdmin(em: EntityManager, env: Record<string, string | undefined>, logger: Logger): Promise<void> {
  const email = env.IDENTITY_ADMIN_EMAIL;
  const password = env.IDENTITY_ADMIN_PASSWORD;
  if (!email || !password) return;
  if (await queryOne(em, `select 1 from users where lower(email) = lower(?)`, [email])) return;
  const userId = await inTransaction(em, (tx) => createUser(tx, { email, displayName: 'Administrator', password, roles: ['ADMIN'] }));
  logger.info({ userId }, 'bootstrap administrator created');
}
