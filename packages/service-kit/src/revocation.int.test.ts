// The token revocation list on the real Redis: a verifier started a moment ago sees entries at once, a
// revocation made by one process reaches another's cache and listeners immediately, "not before"
// revocations spare tokens issued later, and the in-process list (no Redis) behaves the same.
import { randomUUID } from 'node:crypto';
import { TEST_REDIS_URL } from './testing/index.ts';
import { createRevocationList, revocationMatches, type Revocation, type RevocationList } from './revocation.ts';

const lists: RevocationList[] = [];
const open = (url: string | null) => {
  const list = createRevocationList(url, { name: 'test' });
  lists.push(list);
  return list;
};
afterAll(async () => {
  for (const list of lists) await list.close();
});

/** Waits until `reader` hears `writer` (its subscription is live). */
async function subscribed(reader: RevocationList, writer: RevocationList): Promise<void> {
  const probe = randomUUID();
  let heard = false;
  const stop = reader.onRevoked((r) => {
    if (r.kind === 'session' && r.sessionId === probe) heard = true;
  });
  for (let i = 0; i < 40 && !heard; i++) {
    await writer.revoke([{ kind: 'session', sessionId: probe }]);
    await new Promise((r) => setTimeout(r, 50));
  }
  stop();
}

const now = () => Math.floor(Date.now() / 1000);
const userToken = (userId: string, sessionId: string, issuedAt = now()) => ({ kind: 'user' as const, subject: userId, sessionId, issuedAt });

describe.each([
  ['Redis', TEST_REDIS_URL],
  ['in-process', null],
])('%s', (_name, url) => {
  test('a list created just now answers what another one revoked', async () => {
    const sid = randomUUID();
    await open(url).revoke([{ kind: 'session', sessionId: sid }]);
    expect(await open(url).isRevoked(userToken(randomUUID(), sid))).toBe(true);
    expect(await open(url).isRevoked(userToken(randomUUID(), randomUUID()))).toBe(false);
  });

  test("a revocation reaches another process's cache and listeners at once", async () => {
    const writer = open(url);
    const reader = open(url);
    await subscribed(reader, writer);
    const sid = randomUUID();
    const token = userToken(randomUUID(), sid);
    expect(await reader.isRevoked(token)).toBe(false); // now cached as "not revoked"
    const heard = new Promise<Revocation>((resolve) => {
      const stop = reader.onRevoked((r) => {
        if (r.kind === 'session' && r.sessionId === sid) {
          stop();
          resolve(r);
        }
      });
    });
    await writer.revoke([{ kind: 'session', sessionId: sid }]);
    await heard;
    expect(await reader.isRevoked(token)).toBe(true);
  });

  test('"not before" revokes tokens issued up to then, not later ones', async () => {
    const list = open(url);
    const userId = randomUUID();
    await list.revoke([{ kind: 'user', userId, notBefore: now() - 10 }]);
    expect(await list.isRevoked(userToken(userId, randomUUID(), now() - 60))).toBe(true);
    expect(await list.isRevoked(userToken(userId, randomUUID(), now()))).toBe(false);
    const clientId = `pc_${randomUUID()}`;
    await list.revoke([{ kind: 'partner', clientId, notBefore: now() }]);
    expect(await list.isRevoked({ kind: 'partner', subject: clientId, sessionId: null, issuedAt: now() - 1 })).toBe(true);
  });
});

test('which open connections a revocation ends', () => {
  const viewer = { kind: 'user' as const, userId: 'u1', roles: [], permissions: [], sessionId: 's1', issuer: 'local' as const, expiresAt: 0, issuedAt: 1_000_000 };
  expect(revocationMatches(viewer, { kind: 'session', sessionId: 's1' })).toBe(true);
  expect(revocationMatches(viewer, { kind: 'session', sessionId: 's2' })).toBe(false);
  // "Not before": tokens issued before the cutoff end; one issued at it (or later) does not.
  expect(revocationMatches(viewer, { kind: 'user', userId: 'u1', notBefore: 1_000.001 })).toBe(true);
  expect(revocationMatches(viewer, { kind: 'user', userId: 'u1', notBefore: 1_000 })).toBe(false);
  expect(revocationMatches(viewer, { kind: 'user', userId: 'u1', notBefore: 1_001, exceptSessionId: 's1' })).toBe(false);
  expect(revocationMatches({ kind: 'anonymous' }, { kind: 'session', sessionId: 's1' })).toBe(false);
});
