// Reading users: by id for the API, batched for federation's entity lookups.
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { UserSchema, type User } from './entities/user.ts';

export function createUserLoader(em: EntityManager): DataLoader<string, User | null> {
  return new DataLoader(async (ids) => {
    const valid = ids.filter(isUuid);
    const rows = valid.length ? await em.find(UserSchema, { id: { $in: valid } }) : [];
    const byId = new Map(rows.map((u) => [u.id, u]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
