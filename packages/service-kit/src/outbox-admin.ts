// What an admin and the cluster's housekeeping do with a service's outbox: list the events that gave up
// (DEAD) and send one again, prune delivered rows after the retention period, and trim waiting jobs of
// queues nobody consumes. The GraphQL surface is the same in every subgraph but its root fields carry the
// service's name (`identityDeadEvents`, `appointmentsRetryDeadEvent`), so several subgraphs can mount it
// without owning the same root field; the result type is @shareable and identical everywhere.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { RequestContext } from './server.ts';
import { requireRole } from './access.ts';
import { badUserInput, notFound } from './errors.ts';
import { outboxChannel } from './outbox-wakeup.ts';

export interface DeadOutboxEvent {
  id: string;
  topic: string;
  aggregateKey: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  deadAt: Date;
}

const sql = <T>(em: EntityManager, text: string, params: unknown[] = []) => em.getConnection().execute<T[]>(text, params, 'all', em.getTransactionContext());
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Events set aside after their last attempt, newest first. Payloads are not shown (ids only anyway). */
export function listDeadEvents(em: EntityManager, opts: { limit?: number } = {}): Promise<DeadOutboxEvent[]> {
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 500);
  return sql<DeadOutboxEvent>(
    em,
    `select id, topic, aggregate_key as "aggregateKey", attempts, last_error as "lastError", created_at as "createdAt", dead_at as "deadAt"
       from outbox_events where dead_at is not null order by dead_at desc limit ?`,
    [limit],
  );
}

/** Puts a dead event back in line with fresh attempts, and wakes the relays. */
export async function retryDeadEvent(em: EntityManager, id: string): Promise<void> {
  if (!UUID.test(id)) throw badUserInput('id must be a UUID', { field: 'id' });
  const rows = await sql(
    em,
    `update outbox_events set dead_at = null, attempts = 0, last_error = null, next_attempt_at = now()
      where id = ? and dead_at is not null returning id`,
    [id],
  );
  if (!rows.length) throw notFound('Dead event');
  await sql(em, `select pg_notify(?, '')`, [outboxChannel(String(em.config.get('schema')))]);
}

/** Deletes delivered rows older than the retention, in bounded batches; returns how many. */
export async function pruneOutbox(em: EntityManager, publishedBefore: Date): Promise<number> {
  let total = 0;
  for (let i = 0; i < 100; i++) {
    const rows = await sql(
      em,
      `delete from outbox_events where id in (
         select id from outbox_events where published_at is not null and published_at < ? limit 5000) returning id`,
      [publishedBefore],
    );
    total += rows.length;
    if (rows.length < 5000) break;
  }
  return total;
}

/** How much is waiting and dead (for dashboards and tests). */
export async function outboxBacklog(em: EntityManager): Promise<{ pending: number; dead: number }> {
  const [row] = await sql<{ pending: number; dead: number }>(
    em,
    `select count(*) filter (where published_at is null and dead_at is null)::int as pending,
            count(*) filter (where dead_at is not null)::int as dead from outbox_events`,
  );
  return row ?? { pending: 0, dead: 0 };
}

/** The admin root field names for a service (`identity` → `identityDeadEvents`, `identityRetryDeadEvent`). */
export function outboxAdminFields(service: string): { list: string; retry: string } {
  const prefix = service.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''));
  return { list: `${prefix}DeadEvents`, retry: `${prefix}RetryDeadEvent` };
}

/** The SDL a subgraph mounts in its schema.graphql (it must import @shareable and @authenticated, and declare DateTime). */
export function outboxAdminSdl(service: string): string {
  const f = outboxAdminFields(service);
  return `"An event a service could not deliver after its last attempt (kept for an admin to retry)."
type DeadOutboxEvent @shareable {
  id: ID!
  topic: String!
  aggregateKey: String
  attempts: Int!
  lastError: String
  createdAt: DateTime!
  deadAt: DateTime!
}

extend type Query {
  "Admin: ${service} events that gave up after their last delivery attempt, newest first."
  ${f.list}(limit: Int = 50): [DeadOutboxEvent!]! @authenticated
}

extend type Mutation {
  "Admin: deliver a dead ${service} event again, with fresh attempts."
  ${f.retry}(id: ID!): Boolean! @authenticated
}
`;
}

/** Resolvers for outboxAdminSdl(service): ADMIN only (FORBIDDEN otherwise). */
export function outboxAdminResolvers(service: string) {
  const f = outboxAdminFields(service);
  return {
    Query: {
      [f.list]: (_: unknown, args: { limit?: number | null }, ctx: RequestContext) => {
        requireRole(ctx.viewer, 'ADMIN');
        return listDeadEvents(ctx.em, { limit: args.limit ?? 50 });
      },
    },
    Mutation: {
      [f.retry]: async (_: unknown, args: { id: string }, ctx: RequestContext) => {
        requireRole(ctx.viewer, 'ADMIN');
        await retryDeadEvent(ctx.em, args.id);
        return true;
      },
    },
  };
}
