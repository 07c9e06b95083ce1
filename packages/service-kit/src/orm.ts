// MikroORM per service: its own Postgres schema, its own migrations (run on start, never schema:update).
import { MikroORM, type EntitySchema, type Options } from '@mikro-orm/postgresql';
import type { MigrationObject } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import type { ServiceConfig } from './config.ts';
import type { Logger } from './logger.ts';

export { Migration } from '@mikro-orm/migrations';
export type { MigrationObject };

export interface OrmOptions {
  config: Pick<ServiceConfig, 'databaseUrl' | 'dbSchema' | 'dbPoolMax' | 'nodeEnv'>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  entities: EntitySchema<any>[];
  migrations: MigrationObject[];
  logger?: Logger;
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
      migrationsList: migrations,
      transactional: true,
      allOrNothing: true,
      disableForeignKeys: false,
      silent: true,
    },
    logger: (message) => logger?.debug({ orm: message }, 'orm'),
  };
  const orm = await MikroORM.init(options);
  await orm.em.getConnection().execute(`create schema if not exists "${config.dbSchema}"`);
  // Connections opened before the schema existed resolved nothing into it; start the pool afresh.
  await orm.reconnect();
  const applied = await orm.getMigrator().up();
  if (applied.length) logger?.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
  return orm;
}
