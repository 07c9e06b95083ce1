// User-search benchmark: N accounts with Romanian and other European names (accents included) in a
// throwaway schema of the real Postgres, then the admin search "anywhere in the name" as identity runs it
// (searchUsers: fold_search() + the pg_trgm GIN index on users.search_text), p50/p95 per term, and the same
// queries with the index switched off for comparison. Prints the plan of one search.
//   npx tsx scripts/bench/user-search.ts [users=100000] [runs=50]
import { performance } from 'node:perf_hooks';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createOrm, OutboxEventSchema } from '@clinic/service-kit';
import { createTestKeys, dropSchema, testServiceConfig } from '@clinic/service-kit/testing';
import { migrations } from '../../subgraphs/identity/src/migrations/index.ts';
import { UserSchema } from '../../subgraphs/identity/src/entities/user.ts';
import { searchUsers } from '../../subgraphs/identity/src/domain/admin.ts';
import { query } from '../../subgraphs/identity/src/db.ts';

const USERS = Number(process.argv[2] ?? 100_000);
const RUNS = Number(process.argv[3] ?? 50);
const FIRST = ['Ion', 'Ștefan', 'Maria', 'Ana', 'Andrei', 'Elena', 'Mihai', 'Ioana', 'Radu', 'Cătălina', 'José', 'Zoë', 'Łukasz', 'Sørina'];
const LAST = ['Ionescu', 'Popescu', 'Țăranu', 'Stan', 'Dumitru', 'Munteanu', 'Șerban', 'Constantin', 'Niță', 'Müller', 'García', 'Dvořák'];
const TERMS = ['escu', 'stefan', 'taranu', 'ana ion', 'garcia', 'nobody-matches'];
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function time(em: EntityManager, term: string): Promise<{ p50: number; p95: number; rows: number }> {
  const ms: number[] = [];
  let rows = 0;
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    rows = (await searchUsers(em, { search: term, limit: 25, offset: 0 })).length;
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p95: percentile(ms, 95), rows };
}

async function main() {
  const config = testServiceConfig('identity', await createTestKeys());
  const orm = await createOrm({ config, entities: [UserSchema, OutboxEventSchema], migrations });
  try {
    const em = orm.em.fork();
    const seeded = performance.now();
    await query(
      em,
      `insert into users (email, display_name)
       select 'user' || g || '@example.test', (?::text[])[1 + g % ?] || ' ' || (?::text[])[1 + (g / 7) % ?] || ' ' || g
         from generate_series(1, ?) g`,
      // Arrays as Postgres array literals: the driver layer would expand a JS array into a list.
      [`{${FIRST.join(',')}}`, FIRST.length, `{${LAST.join(',')}}`, LAST.length, USERS],
    );
    await query(em, `analyze users`);
    console.log(`seeded ${USERS} users in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
    const plan = await query<{ 'QUERY PLAN': string }>(em, `explain analyze select id from users where search_text like '%' || fold_search('escu') || '%' order by lower(display_name), id limit 25`);
    console.log(plan.map((r) => r['QUERY PLAN']).join('\n'));
    console.log('\nterm              rows   p50 ms   p95 ms   (index)   p50 ms   p95 ms   (no index)');
    for (const term of TERMS) {
      const indexed = await time(em, term);
      // The same search without the trigram index: a sequential scan of every folded name.
      const plain = await em.fork().transactional(async (tx) => {
        await query(tx, `set local enable_bitmapscan = off`);
        await query(tx, `set local enable_indexscan = off`);
        return time(tx, term);
      });
      console.log(`${term.padEnd(16)} ${String(indexed.rows).padStart(5)} ${indexed.p50.toFixed(2).padStart(8)} ${indexed.p95.toFixed(2).padStart(8)}            ${plain.p50.toFixed(2).padStart(8)} ${plain.p95.toFixed(2).padStart(8)}`);
    }
  } finally {
    await orm.close(true);
    await dropSchema(config.dbSchema);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
