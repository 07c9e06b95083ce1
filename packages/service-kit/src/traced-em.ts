// A request's EntityManager that carries the request's trace context, so no async context is needed: its SQL
// statements are spans of that trace, children of the request's span, and the outbox events it writes carry
// the trace on (enqueueEvent). The trace rides on the EntityManager's driver, which every fork of it (a
// transaction, a subgraph's own fork) shares; everything it runs goes through that driver's connection:
// finds and flushes, query builders, em.execute and em.getConnection().execute alike.
import { ROOT_CONTEXT } from '@opentelemetry/api';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { databaseSpan, isTraced, maskSqlLiterals, tracingEnabled, type TraceContext } from './telemetry.ts';

const TRACE = Symbol('clinic request trace');

type Driver = ReturnType<EntityManager['getDriver']>;
type Connection = ReturnType<Driver['getConnection']>;
type ExecuteQuery = (query: string, cb: () => Promise<unknown>, context?: { query?: unknown; params?: unknown[] }) => Promise<unknown>;

/**
 * A fresh EntityManager (identity map) for one request or job of `trace`. Tracing off, or no trace: a plain
 * fork.
 * An unsampled request's: it only carries "not sampled" on to its outbox events; a sampled one's makes a span
 * per statement.
 */
export function tracedFork(orm: MikroORM, trace: TraceContext | undefined): EntityManager {
  if (!trace || trace === ROOT_CONTEXT || !tracingEnabled()) return orm.em.fork();
  const driver = orm.em.getDriver();
  const traced = Object.create(driver) as Driver & { [TRACE]: TraceContext };
  traced[TRACE] = trace;
  if (isTraced(trace)) Object.defineProperty(traced, 'connection', { value: tracedConnection(driver, trace) });
  // Forked from a view of the ORM's EntityManager whose driver is the traced one (the fork takes its driver).
  const root = Object.create(orm.em, { driver: { value: traced } }) as EntityManager;
  return root.fork({ disableContextResolution: true });
}

/** The trace context `em` carries (tracedFork), if any. */
export function traceOfEntityManager(em: EntityManager): TraceContext | undefined {
  return (em.getDriver() as { [TRACE]?: TraceContext })[TRACE];
}

function tracedConnection(driver: Driver, trace: TraceContext): Connection {
  const connection = driver.getConnection();
  const execute = (connection as unknown as { executeQuery: ExecuteQuery }).executeQuery;
  const platform = driver.getPlatform();
  return Object.create(connection, {
    executeQuery: {
      value(this: Connection, query: string, cb: () => Promise<unknown>, context?: { query?: unknown; params?: unknown[] }) {
        // Statement text only, values never (they may be PHI), also not those the ORM inlines as literals.
        const sql = typeof context?.query === 'string' && context.params?.length ? platform.formatQuery(context.query, context.params) : query;
        return statementSpan(trace, sql, () => execute.call(this, query, cb, context));
      },
    },
  }) as Connection;
}

/** A span of `trace` for one SQL statement: its text with literals masked (values may be PHI). */
export function statementSpan<T>(trace: TraceContext, sql: string, call: () => Promise<T>): Promise<T> {
  const text = maskSqlLiterals(sql);
  const operation = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'QUERY';
  return databaseSpan(trace, `pg.query:${operation}`, 'postgresql', { 'db.operation.name': operation, 'db.query.text': text, 'db.statement': text }, call);
}
