// Bad configuration stops a service at once with one clear line, not a stack trace.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '@clinic/service-kit/testing';

const root = path.join(__dirname, '..', '..');

function run(entry: string, env: Record<string, string>) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stderr: result.stderr.trim() };
}

test('a malformed DATABASE_URL exits 1 with a one-line error', () => {
  const { status, stderr } = run('subgraphs/identity/src/main.ts', { DATABASE_URL: 'not a url' });
  expect(status).toBe(1);
  expect(stderr.split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/^config error: DATABASE_URL is not a valid URL/);
});

test('a DATABASE_URL of the wrong kind names what is expected', () => {
  const { status, stderr } = run('subgraphs/identity/src/main.ts', { DATABASE_URL: 'mysql://root@localhost/db' });
  expect(status).toBe(1);
  expect(stderr).toBe('config error: DATABASE_URL must start with postgres:// or postgresql:// (got mysql://)');
});

test('the router refuses a bad PORT the same way', () => {
  const { status, stderr } = run('router/src/main.ts', { PORT: 'eighty' });
  expect(status).toBe(1);
  expect(stderr).toBe('config error: PORT must be an integer >= 0 (got "eighty")');
});

test('identity in production without signing keys refuses to start, saying what to set', async () => {
  const schema = uniqueSchema('identity');
  try {
    const { status, stderr } = run('subgraphs/identity/src/main.ts', {
      NODE_ENV: 'production',
      ROUTER_SECRET: 'a-production-secret',
      DATABASE_URL: TEST_DATABASE_URL,
      DB_SCHEMA: schema,
      PORT: '0',
      LOG_LEVEL: 'silent',
    });
    expect(status).toBe(1);
    expect(stderr).toMatch(/^config error: identity needs its signing keys in production: set JWT_KEYS_ENCRYPTION_KEY .* or JWT_PRIVATE_JWK$/);
  } finally {
    await dropSchema(schema);
  }
});
