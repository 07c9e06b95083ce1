// The first administrator: on a fresh install nobody can create staff yet, so IDENTITY_ADMIN_EMAIL and
// IDENTITY_ADMIN_PASSWORD (if set) create an ADMIN once, when no account with that e-mail exists.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '@clinic/service-kit';
import { inTransaction, queryOne } from '../db.ts';
import { createUser } from './auth.ts';
import { hashPassword } from './passwords.ts';

export async function ensureBootstrapAdmin(em: EntityManager, env: Record<string, string | undefined>, logger: Logger): Promise<void> {
  const email = env.IDENTITY_ADMIN_EMAIL;
  const password = env.IDENTITY_ADMIN_PASSWORD;
  if (!email || !password) return;
  if (await queryOne(em, `select 1 from users where lower(email) = lower(?)`, [email])) return;
  const userId = await inTransaction(em, (tx) => createUser(tx, { email, displayName: 'Administrator', password, roles: ['ADMIN'] }));
  logger.info({ userId }, 'bootstrap administrator created');
}

/**
 * The assistant's read-only partner client (availability:read), so that it can offer free time in chat:
 * IDENTITY_ASSISTANT_CLIENT_ID / _SECRET (set by `npm start` in development) create it, or give it that
 * secret again; a client an admin revoked stays revoked.
 */
export async function ensureAssistantPartner(em: EntityManager, env: Record<string, string | undefined>, logger: Logger): Promise<void> {
  const id = env.IDENTITY_ASSISTANT_CLIENT_ID;
  const secret = env.IDENTITY_ASSISTANT_CLIENT_SECRET;
  if (!id || !secret) return;
  const hash = await hashPassword(secret);
  const rows = await em.getConnection().execute<{ id: string }[]>(
    `insert into partner_clients (id, name, secret_hash, scopes) values (?, 'Clinic assistant', ?, '["availability:read"]'::jsonb)
     on conflict (id) do update set secret_hash = excluded.secret_hash where partner_clients.revoked_at is null returning id`,
    [id, hash],
  );
  logger.info({ clientId: id, active: rows.length > 0 }, 'assistant partner client ensured');
}
