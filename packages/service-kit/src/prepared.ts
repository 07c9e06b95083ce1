// Hot statements as named prepared statements. `em.execute` writes each statement's values into its text, so
// Postgres parses and plans it anew every time (for chat's send, a third of the statement's cost) and
// MikroORM and knex build the text first. A statement run here is parsed once per pooled connection and then
// only bound and executed: same text with `?` placeholders, same rows. Inside a transaction it runs as
// `em.execute` does, on the transaction's connection (which the pool does not hand out).
import type { EntityManager } from '@mikro-orm/postgresql';

interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}
interface PoolClient {
  acquireConnection(): Promise<PgClient>;
  releaseConnection(connection: PgClient): Promise<unknown>;
}

/** Each statement text gets one name (pg refuses one name for two texts on a connection). */
const statements = new Map<string, { name: string; text: string }>();

function statementOf(sql: string): { name: string; text: string } {
  let statement = statements.get(sql);
  if (!statement) {
    let n = 0;
    // Placeholders only: the statement must hold no other `?` (as with em.execute).
    statement = { name: `kit_prepared_${statements.size + 1}`, text: sql.replace(/\?/g, () => `$${++n}`) };
    statements.set(sql, statement);
  }
  return statement;
}

/** Runs `sql` (with `?` placeholders) as a named prepared statement; inside a transaction, as em.execute. */
export async function executePrepared<T>(em: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  if (em.getTransactionContext()) return em.execute<T[]>(sql, params);
  const pool = em.getConnection().getKnex().client as unknown as PoolClient;
  const connection = await pool.acquireConnection();
  try {
    return (await connection.query({ ...statementOf(sql), values: params })).rows as T[];
  } finally {
    await pool.releaseConnection(connection);
  }
}
