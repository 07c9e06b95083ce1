// The embedded start path: no DATABASE_URL → PGlite per service over the wire protocol; boots,
// migrates, and answers queries through the router.
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createLogger } from '@clinic/service-kit';
import { createTestKeys, signTestToken } from '@clinic/service-kit/testing';
import { launch, type Launched } from './launch.ts';

let launched: Launched;
let dataDir: string;
let keys: Awaited<ReturnType<typeof createTestKeys>>;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'clinic-embedded-'));
  keys = await createTestKeys();
  launched = await launch({
    // No DATABASE_URL on purpose: the embedded path is what is under test.
    env: { DATA_DIR: dataDir, REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379', JWKS_JSON: keys.jwksJson, LOG_LEVEL: 'silent', NODE_ENV: 'test' },
    logger: createLogger('launcher-test', 'silent'),
    randomPorts: true,
  });
}, 120_000);

afterAll(async () => {
  await launched?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('every subgraph runs on its own embedded PostgreSQL under the data folder', () => {
  expect(launched.embedded).toBe(true);
  for (const s of launched.subgraphs) {
    expect(s.config.databaseUrl).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(s.config.dbPoolMax).toBe(1);
    expect(existsSync(path.join(dataDir, 'pglite', s.name))).toBe(true);
  }
});

test('migrations ran and a signed-in query goes through the router to identity', async () => {
  const identity = launched.subgraphs.find((s) => s.name === 'identity')!;
  const rows = await identity.orm.em.getConnection().execute(`select name from mikro_orm_migrations`);
  expect(rows.length).toBeGreaterThan(0);

  const id = randomUUID();
  await identity.orm.em.getConnection().execute(
    `insert into users (id, email, display_name) values (?, ?, ?)`,
    [id, `embedded-${id}@example.test`, 'Embedded Person'],
  );
  const token = await signTestToken(keys, { sub: id, roles: ['PATIENT'] });
  const res = await fetch(launched.routerUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ __typename me { id email } }' }),
  });
  const body = (await res.json()) as { data?: { me?: { id: string; email: string } } };
  expect(body.data?.me).toEqual({ id, email: `embedded-${id}@example.test` });
});

test('subgraphs report ready (database and Redis answer)', async () => {
  for (const s of launched.subgraphs) {
    const res = await fetch(`http://127.0.0.1:${s.port}/ready`);
    expect(res.status).toBe(200);
  }
});
