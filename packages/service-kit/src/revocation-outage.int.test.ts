// Redis (the revocation list) unreachable: a verifier answers from what it last knew for a bounded time,
// then refuses tokens (UNAUTHENTICATED, reason REVOCATION_UNAVAILABLE) until Redis answers again. Runs
// against a private redis-server the test stops and restarts, with a clock the test moves.
import { randomUUID } from 'node:crypto';
import { createTestKeys, signTestToken, startOwnRedis, type OwnRedis, type TestKeys } from './testing/index.ts';
import { createRevocationList, type RevocationList } from './revocation.ts';
import { createTokenVerifier } from './auth.ts';
import { loadAuthConfig } from './config.ts';

let redis: OwnRedis;
let keys: TestKeys;
let list: RevocationList;
let clock = 1_700_000_000_000;

beforeAll(async () => {
  redis = await startOwnRedis();
  keys = await createTestKeys();
  list = createRevocationList(redis.url, { name: 'outage-test', maxStalenessSeconds: 30, now: () => clock });
});

afterAll(async () => {
  await list?.close();
  await redis?.stop();
});

const verifier = () => createTokenVerifier(loadAuthConfig({ JWKS_JSON: keys.jwksJson }), { revocations: list });
const reasonOf = (error: unknown) => (error as { extensions?: { code?: string; reason?: string } }).extensions;

test('within the staleness the last known answer holds; beyond it tokens are refused; Redis back, they work again', async () => {
  const token = `Bearer ${await signTestToken(keys, { sub: randomUUID(), roles: ['PATIENT'] })}`;
  const revokedUser = randomUUID();
  const revokedToken = `Bearer ${await signTestToken(keys, { sub: revokedUser })}`;
  const v = verifier();
  await list.revoke([{ kind: 'user', userId: revokedUser, notBefore: Math.floor(Date.now() / 1000) + 1 }]);
  expect((await v.verify(token)).kind).toBe('user');
  await expect(v.verify(revokedToken)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });

  await redis.stop();
  clock += 10_000; // past the local cache: every check now asks the stopped Redis
  expect((await v.verify(token)).kind).toBe('user');
  await expect(v.verify(revokedToken)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });

  clock += 25_000; // 35 s since Redis last answered
  const refused = await v.verify(token).then(() => null, (error: unknown) => error);
  expect(reasonOf(refused)).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'REVOCATION_UNAVAILABLE' });
  // Anonymous requests do not depend on the list.
  expect((await v.verify(undefined)).kind).toBe('anonymous');

  await redis.start();
  let recovered = false;
  for (let attempt = 0; attempt < 100 && !recovered; attempt++) {
    clock += 2_000;
    recovered = await v.verify(token).then(() => true, () => false);
    if (!recovered) await new Promise((r) => setTimeout(r, 100));
  }
  expect(recovered).toBe(true);
}, 60_000);
