// MikroORM per service: its own Postgres schema, its own migrations (run on start, never schema:update).
// Migrations run under a Postgres advisory lock per schema, so replicas starting together on a fresh
// database take turns instead of racing (the later ones find everything applied).
import { MikroORM, type EntitySchema, type Options } from '@mikro-orm/postgresql';
import type { MigrationObject } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { Client } from 'pg';
import type { ServiceConfig } from './config.ts';
import type { Logger } from './logger.ts';
import { outboxMigration, outboxRetryMigration } from './outbox.ts';

export { Migration } from '@mikro-orm/migrations';
export type { MigrationObject };

export interface OrmOptions {
  config: Pick<ServiceConfig, 'databaseUrl' | 'dbSchema' | 'dbPoolMax' | 'nodeEnv'> & Partial<Pick<ServiceConfig, 'service'>>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  entities: EntitySchema<any>[];
  migrations: MigrationObject[];
  logger?: Logger;
}

const serviceNames = new WeakMap<object, string>();

/** The service an ORM (or any of its forks) belongs to: the service name, else its schema. */
export function serviceOfOrm(em: { config: { get(key: 'schema'): unknown } }): string {
  return serviceNames.get(em.config) ?? String(em.config.get('schema') ?? 'unknown');
}

/** A service listing the first outbox migration gets the follow-up too (its entity needs those columns). */
export function withKitMigrations(migrations: MigrationObject[]): MigrationObject[] {
  const at = migrations.findIndex((m) => m.name === outboxMigration.name);
  if (at < 0 || migrations.some((m) => m.name === outboxRetryMigration.name)) return migrations;
  return [...migrations.slice(0, at + 1), outboxRetryMigration, ...migrations.slice(at + 1)];
}

/** Runs `work` holding the schema's migration lock, on a connection of its own (outside the pool). */
async function withMigrationLock<T>(databaseUrl: string, schema: string, work: () => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [`clinic-migrations:${schema}`]);
    return await work();
  } finally {
    // Ending the session releases the lock even if unlocking fails.
    await client.query('select pg_advisory_unlock(hashtext($1))', [`clinic-migrations:${schema}`]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

export async function createOrm({ config, entities, migrations, logger }: OrmOptions): Promise<MikroORM> {
  const options: Options = {
    clientUrl: config.databaseUrl,
    schema: config.dbSchema,
    entities,
    extensions: [Migrator],
    pool: {
      min: 0,
      max: config.dbPoolMax,
      // Unqualified names in migrations and raw SQL resolve inside the service's own schema.
      afterCreate: (conn: { query: (sql: string, cb: (err: Error | null) => void) => void }, done: (err: Error | null, conn: unknown) => void) => {
        conn.query(`set search_path to "${config.dbSchema}", public`, (err) => done(err, conn));
      },
    },
    // Entities are declared with EntitySchema: no reflection, no folder scanning.
    discovery: { warnWhenNoEntities: false },
    debug: false,
    allowGlobalContext: false,
    migrations: {
      tableName: 'mikro_orm_migrations',
      migrationsList: withKitMigrations(migrations),
      transactional: true,
      allOrNothing: true,
      disableForeignKeys: false,
      silent: true,
    },
    logger: (message) => logger?.debug({ orm: message }, 'orm'),
  };
  const orm = await MikroORM.init(options);
  if (config.service) serviceNames.set(orm.config, config.service);
  try {
    await withMigrationLock(config.databaseUrl, config.dbSchema, async () => {
      await orm.em.getConnection().execute(`create schema if not exists "${config.dbSchema}"`);
      // Connections opened before the schema existed resolved nothing into it; start the pool afresh.
      await orm.reconnect();
      const applied = await orm.getMigrator().up();
      if (applied.length) logger?.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
    });
  } catch (error) {
    await orm.close(true);
    throw error;
  }
  return orm;
}
