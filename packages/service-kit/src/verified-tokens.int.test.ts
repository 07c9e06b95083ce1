// A verifier that remembers verified tokens (the router's): the signature is checked once per token, yet a
// revoked session is still refused within the revocation list's bound, an expired token is refused, and a
// token with the same claims under another signature is never taken for the remembered one.
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { createTestKeys, signTestToken, TEST_REDIS_URL, type TestKeys } from './testing/index.ts';
import { createRevocationList, type RevocationList } from './revocation.ts';
import { createTokenVerifier, tokenVerifierStats } from './auth.ts';
import { loadAuthConfig } from './config.ts';

let keys: TestKeys;
let otherKeys: TestKeys;
const lists: RevocationList[] = [];
beforeAll(async () => {
  keys = await createTestKeys();
  otherKeys = await createTestKeys();
});
afterAll(async () => {
  for (const list of lists) await list.close();
});

const verifierWith = (list: RevocationList) => createTokenVerifier(loadAuthConfig({ JWKS_JSON: keys.jwksJson }), { revocations: list, rememberVerified: true });
const open = () => {
  const list = createRevocationList(TEST_REDIS_URL, { name: 'verified-tokens-test' });
  lists.push(list);
  return list;
};
const sessionToken = (userId: string, sessionId: string, roles: string[], expiresIn: string | number = '5m', signWith = keys) =>
  new SignJWT({ roles, permissions: [], token_use: 'access', sid: sessionId })
    .setProtectedHeader({ alg: 'ES256', kid: keys.kid })
    .setSubject(userId)
    .setIssuer('clinic-identity')
    .setAudience('clinic-api')
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(signWith.privateKey);

test('a token is checked once, then recalled; the viewer it gives cannot be changed by a request', async () => {
  const v = verifierWith(open());
  const token = `Bearer ${await signTestToken(keys, { sub: randomUUID(), roles: ['PATIENT'] })}`;
  const before = tokenVerifierStats.signatureChecks;
  const first = await v.verify(token);
  for (let i = 0; i < 5; i++) expect(await v.verify(token)).toEqual(first);
  expect(tokenVerifierStats.signatureChecks).toBe(before + 1);
  expect(() => (first as { roles: string[] }).roles.push('ADMIN')).toThrow();
  expect(await v.verify(token)).toMatchObject({ roles: ['PATIENT'] });
});

test('a remembered token whose session is revoked is refused within the bound', async () => {
  const reader = open();
  const writer = open();
  const v = verifierWith(reader);
  const userId = randomUUID();
  const sessionId = randomUUID();
  const token = `Bearer ${await sessionToken(userId, sessionId, ['PATIENT'])}`;
  expect(await v.verify(token)).toMatchObject({ kind: 'user', userId });
  expect(await v.verify(token)).toMatchObject({ kind: 'user', userId }); // remembered now
  await writer.revoke([{ kind: 'session', sessionId }]);
  const revokedAt = Date.now();
  let refused: unknown = null;
  while (!refused && Date.now() - revokedAt < 3_000) {
    refused = await v.verify(token).then(() => null, (error: unknown) => error);
    if (!refused) await new Promise((r) => setTimeout(r, 50));
  }
  expect(refused).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  // The list's own cache lives one second; a missed message costs at most that.
  expect(Date.now() - revokedAt).toBeLessThan(1_500);
});

test('the same claims under a signature of another key are refused even while the genuine token is remembered', async () => {
  const v = verifierWith(open());
  const userId = randomUUID();
  const sessionId = randomUUID();
  const genuine = await sessionToken(userId, sessionId, ['PATIENT']);
  await v.verify(`Bearer ${genuine}`);
  const [header, payload] = genuine.split('.');
  const forgedSignature = (await sessionToken(userId, sessionId, ['PATIENT'], '5m', otherKeys)).split('.')[2];
  await expect(v.verify(`Bearer ${header}.${payload}.${forgedSignature}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  // A token claiming more rights for the same user and session, signed by someone else: refused too.
  const elevated = await sessionToken(userId, sessionId, ['ADMIN'], '5m', otherKeys);
  await expect(v.verify(`Bearer ${elevated}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
});

test('a remembered token stops working when it expires', async () => {
  const v = verifierWith(open());
  const token = `Bearer ${await sessionToken(randomUUID(), randomUUID(), ['PATIENT'], Math.floor(Date.now() / 1000) + 2)}`;
  expect((await v.verify(token)).kind).toBe('user');
  await new Promise((r) => setTimeout(r, 2_100));
  await expect(v.verify(token)).rejects.toMatchObject({ message: 'Token has expired' });
});
