// Reading users: by id for the API, batched (DataLoader) for federation's entity lookups and role lists.
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { query } from './db.ts';

export interface UserRecord {
  id: string;
  email: string;
  displayName: string;
  createdAt: Date;
  status: 'ACTIVE' | 'DEACTIVATED';
  mfaEnabled: boolean;
  preferences: Record<string, unknown>;
  customFields: Record<string, unknown>;
}

export const USER_COLUMNS = `id, email, display_name as "displayName", created_at as "createdAt", status, mfa_enabled as "mfaEnabled", preferences, custom_fields as "customFields"`;

export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

export function createUserLoader(em: EntityManager): DataLoader<string, UserRecord | null> {
  return new DataLoader(async (ids) => {
    const valid = ids.filter(isUuid);
    const rows = valid.length ? await query<UserRecord>(em, `select ${USER_COLUMNS} from users where id in (?)`, [valid]) : [];
    const byId = new Map(rows.map((u) => [u.id, u]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

export function createRolesLoader(em: EntityManager): DataLoader<string, string[]> {
  return new DataLoader(async (ids) => {
    const rows = await query<{ userId: string; role: string }>(em, `select user_id as "userId", role from user_roles where user_id in (?) order by role`, [ids]);
    return ids.map((id) => rows.filter((r) => r.userId === id).map((r) => r.role));
  });
}
