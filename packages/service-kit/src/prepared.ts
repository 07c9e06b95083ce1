// Hot statements as named prepared statements. `em.execute` writes each statement's values into its text, so
// Postgres parses and plans it anew every time (for chat's send, a third of the statement's cost) and
// MikroORM and knex build the text first. A statement run here is parsed once per pooled connection and then
// only bound and executed: same text with `?` placeholders, same rows. Inside a transaction it runs as
// `em.execute` does, on the transaction's connection (which the pool does not hand out).
import { createHash } from 'node:crypto';
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
/** "prepared statement … already exists": the session has it though this client never parsed it (below). */
const ALREADY_PREPARED = '42P05';
/** "prepared statement … does not exist": dropped in the session behind this client's back. */
const NOT_PREPARED = '26000';

/**
 * Each statement text gets one name, made from the text: pg refuses one name for two texts in a session, and
 * a session may outlive the client that prepared in it (the embedded PGlite of `npm start` serves every
 * connection of a service in one session, so a new connection finds its predecessor's statements there).
 */
const statements = new Map<string, { name: string; text: string }>();

function statementOf(sql: string): { name: string; text: string } {
  let statement = statements.get(sql);
  if (!statement) {
    let n = 0;
    // Placeholders only: the statement must hold no other `?` (as with em.execute).
    const text = sql.replace(/\?/g, () => `$${++n}`);
    statement = { name: `kit_prepared_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`, text };
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
    const { parsedStatements } = connection.connection;
    const code = (error as { code?: string }).code;
    // The session already holds this text under its name (the name is the text's): run it without parsing.
    if (code === ALREADY_PREPARED) parsedStatements[statement.name] = statement.text;
    // Another connection of a shared session dropped it (below): parse it again.
    else if (code === NOT_PREPARED) delete parsedStatements[statement.name];
    // A migration changed a table the statement reads (`select m.*` after a column was added, e.g. by a newer
    // replica in a rolling deploy): Postgres refuses the stored plan. Parsed afresh once, it runs as it should.
    else if (code === STALE_PLAN) {
      await connection.query(`deallocate "${statement.name}"`);
      delete parsedStatements[statement.name];
    } else throw error;
    return (await connection.query({ ...statement, values: params })).rows as T[];
  } finally {
    await pool.releaseConnection(connection);
  }
}
