// An embedded PostgreSQL per service: PGlite (WASM Postgres, with btree_gist and pg_trgm) served over the
// Postgres wire protocol on a loopback port, so services use the same `pg` driver as in production.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { freePort } from './ports.ts';

export interface EmbeddedPostgres {
  databaseUrl: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(dataDir: string, service: string): Promise<EmbeddedPostgres> {
  const dir = path.join(dataDir, 'pglite', service);
  mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(dir, { extensions: { btree_gist, pg_trgm } });
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 4 });
  await server.start();
  return {
    databaseUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
