// Raw SQL inside the caller's unit of work (search_path is the service's schema). Placeholders are `?`;
// an array bound to `in (?)` expands to a list, so callers guard against empty lists.
import type { EntityManager } from '@mikro-orm/postgresql';

export async function query<T = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  return em.getConnection().execute<T[]>(sql, params, 'all', em.getTransactionContext());
}

export async function queryOne<T = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T | null> {
  const rows = await query<T>(em, sql, params);
  return rows[0] ?? null;
}

/** Runs `work` in one transaction; outbox events created in it are flushed with the change. */
export function inTransaction<T>(em: EntityManager, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  return em.fork().transactional(work);
}

export const json = (value: unknown): string => JSON.stringify(value);
