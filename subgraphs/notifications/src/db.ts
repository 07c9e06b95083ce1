// Plain SQL for upserts and claims that must be atomic in Postgres (ON CONFLICT, UPDATE … RETURNING),
// where the ORM's unit of work would read-then-write and race.
import type { EntityManager } from '@mikro-orm/postgresql';

export async function sql<T = Record<string, unknown>>(em: EntityManager, text: string, params: unknown[] = []): Promise<T[]> {
  return (await em.getConnection().execute(text, params, 'all', em.getTransactionContext())) as T[];
}

/** Marks an outbox event as handled; false when it was handled before (redelivery). */
export async function firstDelivery(em: EntityManager, eventId: string): Promise<boolean> {
  const rows = await sql(em, `insert into processed_events (event_id) values (?) on conflict do nothing returning event_id`, [eventId]);
  return rows.length === 1;
}
