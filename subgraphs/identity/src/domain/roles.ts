// Roles are data: a role names a set of permissions; a user may hold several roles. Tokens carry both
// (the router's @requiresScopes sees permissions and `role:<ROLE>`).
import type { EntityManager } from '@mikro-orm/postgresql';
import { badUserInput, conflict, notFound } from '@clinic/service-kit';
import { query, queryOne, json } from '../db.ts';
import { permissionName, roleName } from './validation.ts';

export interface Grants {
  roles: string[];
  permissions: string[];
}

export async function grantsOf(em: EntityManager, userId: string): Promise<Grants> {
  const roles = (await query<{ role: string }>(em, `select role from user_roles where user_id = ? order by role`, [userId])).map((r) => r.role);
  const permissions = (
    await query<{ permission: string }>(
      em,
      `select distinct rp.permission from user_roles ur join role_permissions rp on rp.role = ur.role where ur.user_id = ? order by 1`,
      [userId],
    )
  ).map((r) => r.permission);
  return { roles, permissions };
}

export interface RoleRecord {
  name: string;
  description: string;
  permissions: string[];
  customFieldSchema: Record<string, unknown>;
}

export async function listRoles(em: EntityManager): Promise<RoleRecord[]> {
  return query<RoleRecord>(
    em,
    `select r.name, r.description, r.custom_field_schema as "customFieldSchema",
            coalesce((select json_agg(permission order by permission) from role_permissions where role = r.name), '[]') as permissions
       from roles r order by r.name`,
  );
}

export async function assertRolesExist(em: EntityManager, roles: string[]): Promise<void> {
  if (!roles.length) throw badUserInput('At least one role is needed', { field: 'roles' });
  roles.forEach(roleName);
  const found = await query<{ name: string }>(em, `select name from roles where name in (?)`, [roles]);
  const missing = roles.filter((r) => !found.some((f) => f.name === r));
  if (missing.length) throw badUserInput(`Unknown role: ${missing.join(', ')}`, { field: 'roles' });
}

export async function defineRole(em: EntityManager, input: { name: string; description: string; permissions: string[] }): Promise<void> {
  roleName(input.name);
  input.permissions.forEach(permissionName);
  if (await queryOne(em, `select 1 from roles where name = ?`, [input.name])) throw conflict(`Role ${input.name} already exists`);
  const known = input.permissions.length ? await query<{ name: string }>(em, `select name from permissions where name in (?)`, [input.permissions]) : [];
  const unknown = input.permissions.filter((p) => !known.some((k) => k.name === p));
  if (unknown.length) throw badUserInput(`Unknown permission: ${unknown.join(', ')}`, { field: 'permissions' });
  await query(em, `insert into roles (name, description) values (?, ?)`, [input.name, input.description]);
  for (const p of input.permissions) await query(em, `insert into role_permissions (role, permission) values (?, ?)`, [input.name, p]);
}

export async function setRoleFieldSchema(em: EntityManager, role: string, schema: Record<string, unknown>): Promise<void> {
  const updated = await query(em, `update roles set custom_field_schema = ?::jsonb where name = ? returning name`, [json(schema), role]);
  if (!updated.length) throw notFound('Role');
}

/**
 * Inside a transaction everything goes through `em` (the transaction's): the request's loaders hold
 * another connection, which a pool of one (the embedded start) never hands out while this one is held.
 */
export async function assignRole(em: EntityManager, userId: string, role: string): Promise<boolean> {
  if (!(await queryOne(em, `select 1 from users where id = ?`, [userId]))) throw notFound('User');
  await assertRolesExist(em, [role]);
  const rows = await query(em, `insert into user_roles (user_id, role) values (?, ?) on conflict do nothing returning role`, [userId, role]);
  return rows.length > 0;
}

export async function removeRole(em: EntityManager, userId: string, role: string): Promise<boolean> {
  const rows = await query(em, `delete from user_roles where user_id = ? and role = ? returning role`, [userId, role]);
  return rows.length > 0;
}
