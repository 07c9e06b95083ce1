// Verified tokens are remembered (the same token arrives on every request, at the router and again at each
// subgraph), without weakening anything: an expired token is refused even if it was verified before, a
// revocation still ends it on the next request, and a tampered token is never taken for a remembered one.
import { randomUUID } from 'node:crypto';
import { createTestKeys, signTestToken } from './testing/index.ts';
import { createTokenVerifier } from './auth.ts';
import { loadAuthConfig } from './config.ts';

test('a remembered token is still refused once expired, and still checked for revocation on every use', async () => {
  const keys = await createTestKeys();
  const token = await signTestToken(keys, { sub: randomUUID(), roles: ['PATIENT'], expiresIn: '30s' });
  let clock = Date.now();
  let revoked = false;
  const verifier = createTokenVerifier(loadAuthConfig({ JWKS_JSON: keys.jwksJson }), { now: () => clock, revocations: { isRevoked: async () => revoked } });

  expect((await verifier.verify(`Bearer ${token}`)).kind).toBe('user');
  expect((await verifier.verify(`Bearer ${token}`)).kind).toBe('user');
  revoked = true;
  await expect(verifier.verify(`Bearer ${token}`)).rejects.toThrow(/session has ended/);
  revoked = false;
  // Sooner than a remembered signature would be checked again anyway: the token's own expiry counts.
  clock += 40_000;
  await expect(verifier.verify(`Bearer ${token}`)).rejects.toThrow(/expired/);
});

test('a token with another signature is verified on its own, even after the genuine one was remembered', async () => {
  const keys = await createTestKeys();
  const other = await createTestKeys();
  const sub = randomUUID();
  const verifier = createTokenVerifier(loadAuthConfig({ JWKS_JSON: keys.jwksJson }));
  const genuine = await signTestToken(keys, { sub, roles: ['PATIENT'] });
  expect((await verifier.verify(`Bearer ${genuine}`)).kind).toBe('user');
  // Same header and claims, signed by a key the verifier does not trust.
  const forged = await signTestToken({ ...other, kid: keys.kid }, { sub, roles: ['ADMIN'] });
  await expect(verifier.verify(`Bearer ${forged}`)).rejects.toThrow(/invalid/);
  const [head, body] = genuine.split('.');
  await expect(verifier.verify(`Bearer ${head}.${body}.${forged.split('.')[2]}`)).rejects.toThrow(/invalid/);
});
