// Named prepared statements: the same rows as em.execute, parsed once per connection, and inside a
// transaction on the transaction's own connection (its uncommitted rows visible, rolled back with it).
import type { MikroORM } from '@mikro-orm/postgresql';
import { createOrm } from './orm.ts';
import { createLogger } from './logger.ts';
import { executePrepared } from './prepared.ts';
import { createTestKeys, dropSchema, testServiceConfig } from './testing/index.ts';

let orm: MikroORM;
let schema: string;

beforeAll(async () => {
  // One pooled connection: every statement below runs on it, so its prepared statements are visible.
  const config = testServiceConfig('prepared', await createTestKeys(), { DB_POOL_MAX: '1' });
  schema = config.dbSchema;
  orm = await createOrm({ config, entities: [], migrations: [], logger: createLogger('prepared-test', 'silent') });
  await orm.em.getConnection().execute(`create table visits (id int primary key, at timestamptz not null, tags text[] not null)`);
});

afterAll(async () => {
  await orm?.close(true);
  if (schema) await dropSchema(schema);
});

const INSERT = `insert into visits (id, at, tags) values (?, ?, ?::text[]) returning id, at, tags`;
const BY_ID = `select id, at, tags from visits where id = ?`;

test('a statement gives the rows em.execute gives, and is parsed once per connection', async () => {
  const em = orm.em.fork();
  const at = new Date('2026-12-01T08:30:00.000Z');
  // Values as the pool's connections type them (MikroORM's parsers: timestamps stay text).
  expect(await executePrepared(em, INSERT, [1, at, '{flu,follow-up}'])).toEqual([{ id: 1, at: '2026-12-01 08:30:00+00', tags: ['flu', 'follow-up'] }]);
  const told: string[] = [];
  em.getConnection().getKnex().on('query', (q: { sql: string }) => told.push(q.sql));
  await executePrepared(em, INSERT, [2, at, '{}']);
  expect(told).toEqual([INSERT]);
  expect(await executePrepared(em, BY_ID, [1])).toEqual(await em.execute(BY_ID, [1]));
  expect(await executePrepared(em, BY_ID, [3])).toEqual([]);
  const prepared = await em.execute<{ statement: string }[]>(`select statement from pg_prepared_statements where name like 'kit_prepared_%' order by statement`);
  expect(prepared.map((p) => p.statement)).toEqual([INSERT.replace(/\?/g, (_, i: number) => `$${INSERT.slice(0, i).split('?').length}`), 'select id, at, tags from visits where id = $1'].sort());
});

test('inside a transaction it runs on the transaction: its own writes seen, and rolled back with it', async () => {
  const em = orm.em.fork();
  await em
    .transactional(async (tx) => {
      await executePrepared(tx, INSERT, [10, new Date(), '{}']);
      expect(await executePrepared(tx, BY_ID, [10])).toHaveLength(1);
      throw new Error('roll back');
    })
    .catch(() => undefined);
  expect(await executePrepared(em, BY_ID, [10])).toEqual([]);
});

test('a constraint violation keeps Postgres code and constraint (callers tell a duplicate apart by them)', async () => {
  const error = (await executePrepared(orm.em.fork(), INSERT, [1, new Date(), '{}']).catch((e: unknown) => e)) as { code?: string; constraint?: string };
  expect(error).toMatchObject({ code: '23505', constraint: 'visits_pkey' });
});

test('a table changed under a prepared statement (a newer replica migrated): the statement is parsed again and runs', async () => {
  const em = orm.em.fork();
  const ALL = `select * from visits where id = ?`;
  expect(Object.keys((await executePrepared<object>(em, ALL, [1]))[0]!)).toEqual(['id', 'at', 'tags']);
  await em.execute(`alter table visits add column note text`);
  expect(await executePrepared(em, ALL, [1])).toEqual([expect.objectContaining({ id: 1, note: null })]);
  expect(await executePrepared(em, ALL, [1])).toEqual([expect.objectContaining({ id: 1, note: null })]);
});

test('a session that already holds the statement (a new connection to the embedded PGlite, which keeps one session) runs it; one that lost it parses it again', async () => {
  const em = orm.em.fork();
  const pool = em.getConnection().getKnex().client as { acquireConnection(): Promise<{ connection: { parsedStatements: Record<string, string> } }>; releaseConnection(c: unknown): Promise<unknown> };
  const forget = async () => {
    const connection = await pool.acquireConnection();
    for (const name of Object.keys(connection.connection.parsedStatements)) delete connection.connection.parsedStatements[name];
    await pool.releaseConnection(connection);
  };
  expect(await executePrepared(em, BY_ID, [1])).toHaveLength(1);
  // What a new client finds on PGlite: the session has the statement, the client never parsed it.
  await forget();
  expect(await executePrepared(em, BY_ID, [1])).toEqual(await em.execute(BY_ID, [1]));
  // Dropped behind the client's back (another connection of the session deallocated it).
  await em.execute(`deallocate all`);
  expect(await executePrepared(em, BY_ID, [1])).toEqual(await em.execute(BY_ID, [1]));
  expect(await executePrepared(em, BY_ID, [1])).toHaveLength(1);
});
