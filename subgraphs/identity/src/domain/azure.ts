// Microsoft Identity accounts, keyed by (tenant id, object id): lookup for Azure AD access tokens, and
// link-or-provision after an interactive sign-in (link by verified e-mail, or create a patient, by policy).
import type { EntityManager } from '@mikro-orm/postgresql';
import { forbidden, recordAudit } from '@clinic/service-kit';
import { query, queryOne } from '../db.ts';
import { grantsOf } from './roles.ts';
import { createUser, type RequestMeta } from './auth.ts';
import type { IdentityDeps } from './deps.ts';
import * as v from './validation.ts';

export async function resolveAzureUserFromTables(
  em: EntityManager,
  tenantId: string,
  objectId: string,
): Promise<{ userId: string; roles: string[]; permissions: string[] } | null> {
  const user = await queryOne<{ id: string }>(em, `select id from users where azure_tenant_id = ? and azure_object_id = ? and status = 'ACTIVE'`, [tenantId, objectId]);
  if (!user) return null;
  return { userId: user.id, ...(await grantsOf(em, user.id)) };
}

export interface AzureIdentity {
  tenantId: string;
  objectId: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

/** Returns the local user for the Microsoft account, linking or provisioning it when the policy allows. */
export async function linkOrProvision(tx: EntityManager, deps: IdentityDeps, who: AzureIdentity, meta: RequestMeta): Promise<string> {
  const linked = await queryOne<{ id: string; status: string }>(tx, `select id, status from users where azure_tenant_id = ? and azure_object_id = ?`, [who.tenantId, who.objectId]);
  if (linked) {
    if (linked.status !== 'ACTIVE') throw forbidden('This account is deactivated');
    return linked.id;
  }
  const email = who.email ? v.email(who.email) : null;
  if (email && who.emailVerified) {
    const existing = await queryOne<{ id: string; status: string }>(tx, `select id, status from users where lower(email) = ? and azure_object_id is null`, [email]);
    if (existing) {
      if (existing.status !== 'ACTIVE') throw forbidden('This account is deactivated');
      // Microsoft verified the address. A password set by an unverified registration was never proven to be
      // the owner's (someone may have registered the address first), so it goes.
      await query(
        tx,
        `update users set azure_tenant_id = ?, azure_object_id = ?, password_hash = case when email_verified_at is null then null else password_hash end,
           email_verified_at = coalesce(email_verified_at, now()), updated_at = now() where id = ?`,
        [who.tenantId, who.objectId, existing.id],
      );
      recordAudit(tx, { actorId: existing.id, actorKind: 'user', ...meta }, { action: 'auth.microsoft_linked', resourceType: 'User', resourceId: existing.id, subjectUserId: existing.id, outcome: 'SUCCESS' });
      return existing.id;
    }
  }
  if (deps.azureProvisioning !== 'link-or-provision' || !email) throw forbidden('This Microsoft account is not linked to a clinic account');
  const userId = await createUser(tx, { email, displayName: (who.name ?? email).slice(0, 200).replace(/[;]/g, ' '), password: null, roles: ['PATIENT'] });
  await query(tx, `update users set azure_tenant_id = ?, azure_object_id = ? where id = ?`, [who.tenantId, who.objectId, userId]);
  recordAudit(tx, { actorId: userId, actorKind: 'user', ...meta }, { action: 'user.register', resourceType: 'User', resourceId: userId, subjectUserId: userId, outcome: 'SUCCESS', detail: { method: 'MICROSOFT' } });
  return userId;
}
