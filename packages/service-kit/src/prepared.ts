// Hot statements as named prepared statements. `em.execute` writes each statement's values into its text, so
// Postgres parses and plans it anew every time (for chat's send, a third of the statement's cost) and
// MikroORM and knex build the text first. A statement run here is parsed once per pooled connection and then
// only bound and executed: same text with `?` placeholders, same rows. Inside a transaction it runs as
// `em.execute` does, on the transaction's connection (which the pool does not hand out).
import type { EntityManager } from '@mikro-orm/postgresql';
import { isTraced } from './telemetry.ts';
import { statementSpan, traceOfEntityManager } from './traced-em.ts';

interface PgClient {
  query(config: { name: string; text: string; values: unknown[] } | string): Promise<{ rows: unknown[] }>;
  /** pg's own record of the statements this connection has parsed (by name). */
  connection: { parsedStatements: Record<string, string> };
}
interface PoolClient {
  emit(event: 'query', query: { sql: string; bindings: unknown[] }): void;
  acquireConnection(): Promise<PgClient>;
  releaseConnection(connection: PgClient): Promise<unknown>;
}

/** "cached plan must not change result type" (feature_not_supported). */
const STALE_PLAN = '0A000';

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

/**
 * Runs `sql` (with `?` placeholders) as a named prepared statement; inside a transaction, as em.execute. A
 * sampled request's EntityManager (tracedFork) makes it a span of the request, as its other statements are.
 */
export async function executePrepared<T>(em: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  if (em.getTransactionContext()) return em.execute<T[]>(sql, params);
  const trace = traceOfEntityManager(em);
  return trace && isTraced(trace) ? statementSpan(trace, sql, () => run<T>(em, sql, params)) : run<T>(em, sql, params);
}

async function run<T>(em: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const pool = em.getConnection().getKnex().client as unknown as PoolClient;
  // Told as knex tells its own statements, so whoever counts or logs them (tests, debugging) still sees these.
  pool.emit('query', { sql, bindings: params });
  const connection = await pool.acquireConnection();
  const statement = statementOf(sql);
  try {
    return (await connection.query({ ...statement, values: params })).rows as T[];
  } catch (error) {
    // A migration changed a table the statement reads (`select m.*` after a column was added, e.g. by a newer
    // replica in a rolling deploy): Postgres refuses the stored plan. Parsed afresh once, it runs as it should.
    if ((error as { code?: string }).code !== STALE_PLAN) throw error;
    await connection.query(`deallocate "${statement.name}"`);
    delete connection.connection.parsedStatements[statement.name];
    return (await connection.query({ ...statement, values: params })).rows as T[];
  } finally {
    await pool.releaseConnection(connection);
  }
}
