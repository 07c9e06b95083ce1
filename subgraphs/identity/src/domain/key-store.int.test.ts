// Signing keys shared by identity replicas through the database: two replicas starting together agree on
// the keys; the JWKS serves the current and the next key; a rotation under load fails no request (tokens
// signed by the old key keep verifying, both replicas switch to the new key); production needs a key.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { ROUTER_SECRET_HEADER, startSubgraph, type RunningSubgraph } from '@clinic/service-kit';
import { createTestKeys, dropSchema, testServiceConfig } from '@clinic/service-kit/testing';
import { decodeProtectedHeader } from 'jose';
import { createIdentitySubgraph } from '../service.ts';
import { createUser } from './auth.ts';
import { inTransaction } from '../db.ts';
import { keyEncryptionKey, rotateSigningKeys } from './key-store.ts';
import { keySettings } from './keys.ts';
import { SIGN_IN } from '../testing/stack.ts';

const SECRET = randomBytes(32).toString('base64');
let a: RunningSubgraph;
let b: RunningSubgraph;
const EMAIL = 'rotation@clinic.test';
const PASSWORD = 'Correct-Horse-9!';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

beforeAll(async () => {
  const keys = await createTestKeys();
  const portA = await freePort();
  const jwksUrl = `http://127.0.0.1:${portA}/.well-known/jwks.json`;
  const configA = testServiceConfig('identity', keys, { PORT: String(portA), JWKS_URL: jwksUrl, JWKS_JSON: undefined });
  const configB = { ...configA, port: 0 };
  const env = { NODE_ENV: 'test', JWT_KEYS_ENCRYPTION_KEY: SECRET, QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}-` };
  // Two replicas on one fresh schema, started at the same moment.
  [a, b] = await Promise.all([
    startSubgraph(createIdentitySubgraph({ env, keyRefreshMs: 100 }), configA),
    startSubgraph(createIdentitySubgraph({ env, keyRefreshMs: 100 }), configB),
  ]);
  await inTransaction(a.orm.em.fork(), (tx) => createUser(tx, { email: EMAIL, displayName: 'Rotation', password: PASSWORD, roles: ['PATIENT'] }));
});

afterAll(async () => {
  await b?.stop();
  await a?.stop();
  if (a) await dropSchema(a.config.dbSchema);
});

async function call<T>(replica: RunningSubgraph, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<{ data?: T; errors?: unknown[] }> {
  const res = await fetch(replica.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [ROUTER_SECRET_HEADER]: 'test-router-secret', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: T; errors?: unknown[] };
}

const jwks = async (replica: RunningSubgraph) =>
  ((await (await fetch(replica.url.replace('/graphql', '/.well-known/jwks.json'))).json()) as { keys: { kid: string; d?: string }[] }).keys.map((k) => {
    expect(k.d).toBeUndefined();
    return k.kid;
  });

async function signIn(replica: RunningSubgraph): Promise<string> {
  const res = await call<{ signIn: { auth: { accessToken: string } | null } }>(replica, SIGN_IN, { email: EMAIL, password: PASSWORD });
  const token = res.data?.signIn.auth?.accessToken;
  if (!token) throw new Error(`sign-in failed: ${JSON.stringify(res.errors)}`);
  return token;
}

const kidOf = (token: string) => decodeProtectedHeader(token).kid;

test('two replicas publish the same current and next key, and accept each other\'s tokens', async () => {
  const [ka, kb] = [await jwks(a), await jwks(b)];
  expect(ka).toHaveLength(2);
  expect(kb).toEqual(ka);
  const token = await signIn(a);
  expect(kidOf(token)).toBe(ka[0]);
  expect((await call<{ me: { email: string } }>(b, '{ me { email } }', {}, token)).data?.me.email).toBe(EMAIL);
});

test('a rotation under load fails no request; old tokens keep verifying; both replicas move to the new key', async () => {
  const [current, next] = await jwks(a);
  const old = await signIn(b);
  expect(kidOf(old)).toBe(current);

  const failures: unknown[] = [];
  const kids = new Set<string | undefined>();
  let stop = false;
  const reader = async (replica: RunningSubgraph) => {
    while (!stop) {
      const res = await call<{ me: { email: string } }>(replica, '{ me { email } }', {}, old);
      if (res.errors || res.data?.me.email !== EMAIL) failures.push(res.errors);
    }
  };
  const signer = async () => {
    for (let i = 0; i < 6; i++) {
      const [from, to] = i % 2 ? [a, b] : [b, a];
      const token = await signIn(from).catch((error: unknown) => void failures.push(error));
      if (!token) continue;
      kids.add(kidOf(token));
      const res = await call<{ me: { email: string } }>(to, '{ me { email } }', {}, token);
      if (res.errors) failures.push(res.errors);
    }
  };
  const load = Promise.all([reader(a), reader(b), signer()]);
  await new Promise((r) => setTimeout(r, 150));
  const rotated = await rotateSigningKeys(a.orm.em.fork(), keyEncryptionKey(SECRET));
  expect(rotated).toMatchObject({ retired: current, current: next });
  await new Promise((r) => setTimeout(r, 400));
  stop = true;
  await load;
  expect(failures).toEqual([]);

  // After the replicas refreshed: both sign with the promoted key and publish retired, current and next.
  const [ka, kb] = [await jwks(a), await jwks(b)];
  expect(kb).toEqual(ka);
  expect(ka).toEqual([current, next, rotated.next]);
  expect(kidOf(await signIn(a))).toBe(next);
  expect(kidOf(await signIn(b))).toBe(next);
  expect((await call<{ me: { email: string } }>(a, '{ me { email } }', {}, old)).data?.me.email).toBe(EMAIL);
});

test('production refuses to start without a configured key; a short encryption key is refused', () => {
  expect(() => keySettings({ NODE_ENV: 'production' })).toThrow(/JWT_KEYS_ENCRYPTION_KEY .* or JWT_PRIVATE_JWK/);
  expect(() => keySettings({ NODE_ENV: 'production', JWT_KEYS_ENCRYPTION_KEY: 'short' })).toThrow(/at least 32 characters/);
  expect(keySettings({ NODE_ENV: 'production', JWT_KEYS_ENCRYPTION_KEY: SECRET })).toEqual({ encryptionSecret: SECRET });
  expect(keySettings({ NODE_ENV: 'production', JWT_PRIVATE_JWK: '{"kid":"k"}' })).toEqual({ pinned: '{"kid":"k"}' });
});
