// Migrations under an advisory lock: replicas starting together on a fresh schema all come up, and each
// migration is applied once (without the lock they race and one crashes on "already exists").
import { Migration } from '@mikro-orm/migrations';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createOrm, serviceOfOrm, withKitMigrations } from './orm.ts';
import { createLogger } from './logger.ts';
import { outboxMigration, outboxRetryMigration, OutboxEventSchema } from './outbox.ts';
import { createTestKeys, dropSchema, testServiceConfig } from './testing/index.ts';

class SlowMigration extends Migration {
  override async up(): Promise<void> {
    // Long enough that replicas starting together overlap inside it.
    this.addSql('select pg_sleep(0.3)');
    this.addSql('create table slow_things (id int primary key)');
  }
}

test('four replicas migrating a fresh schema at once all start; every migration is applied once', async () => {
  const config = testServiceConfig('migrate', await createTestKeys());
  const logger = createLogger('orm-test', 'silent');
  const migrations = [outboxMigration, { name: 'm20990101-slow', class: SlowMigration }];
  const results = await Promise.allSettled(
    [1, 2, 3, 4].map(() => createOrm({ config, entities: [OutboxEventSchema], migrations, logger })),
  );
  const orms = results.filter((r): r is PromiseFulfilledResult<MikroORM> => r.status === 'fulfilled').map((r) => r.value);
  try {
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    const applied = await orms[0]!.em.getConnection().execute<{ name: string; n: number }[]>(
      'select name, count(*)::int as n from mikro_orm_migrations group by name order by name',
    );
    expect(applied).toEqual([
      { name: 'm00000000-outbox', n: 1 },
      { name: 'm00000001-outbox-retry', n: 1 },
      { name: 'm20990101-slow', n: 1 },
    ]);
    expect(serviceOfOrm(orms[0]!.em.fork())).toBe('migrate');
  } finally {
    for (const orm of orms) await orm.close(true);
    await dropSchema(config.dbSchema);
  }
});

test('a service listing only the first outbox migration gets the follow-up right after it', () => {
  const own = { name: 'm20260101-own', class: SlowMigration };
  expect(withKitMigrations([own, outboxMigration]).map((m) => m.name)).toEqual([own.name, outboxMigration.name, outboxRetryMigration.name]);
  expect(withKitMigrations([outboxMigration, outboxRetryMigration]).map((m) => m.name)).toEqual([outboxMigration.name, outboxRetryMigration.name]);
  expect(withKitMigrations([own]).map((m) => m.name)).toEqual([own.name]);
});
