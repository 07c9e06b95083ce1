// A verifier keeps an answer beyond its one second while the revocation feed is provably complete (the
// count of revocations grew by exactly the messages it received), so a caller who comes back every few
// seconds costs no Redis read; a revocation whose message was lost (counted, never received) makes it read
// again within the bound. A private redis-server, so no other test's revocations move the count; a clock
// the test moves.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { startOwnRedis, type OwnRedis } from './testing/index.ts';
import { createRevocationList, REVOCATION_COUNT_KEY, type RevocationList } from './revocation.ts';

let own: OwnRedis;
let redis: Redis;
let list: RevocationList;
let clock = Date.now();

beforeAll(async () => {
  own = await startOwnRedis();
  redis = new Redis(own.url);
  list = createRevocationList(own.url, { name: 'feed-test', now: () => clock });
});
afterAll(async () => {
  await list?.close();
  redis?.disconnect();
  await own?.stop();
});

const token = (sessionId: string) => ({ kind: 'user' as const, subject: randomUUID(), sessionId, issuedAt: Math.floor(Date.now() / 1000) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Long enough for the feed to be checked twice (a count to start from, then a confirmation). */
const feedChecked = () => sleep(1_100);

test('while the feed is complete, an answer read after its count started is kept past the second without reading Redis', async () => {
  await feedChecked();
  const sessionId = randomUUID();
  const mine = token(sessionId);
  expect(await list.isRevoked(mine)).toBe(false);
  // Written behind the list's back (no count, no message: what only a read could see).
  await redis.set(`revoked:sid:${sessionId}`, '1', 'EX', 60);
  clock += 5_000;
  await feedChecked(); // confirmed complete at the new time
  expect(await list.isRevoked(mine)).toBe(false);
});

test('a revocation counted but whose message never arrived makes the list read again within the bound', async () => {
  await feedChecked();
  const sessionId = randomUUID();
  const mine = token(sessionId);
  expect(await list.isRevoked(mine)).toBe(false);
  await redis.multi().set(`revoked:sid:${sessionId}`, '1', 'EX', 60).incr(REVOCATION_COUNT_KEY).exec(); // its message lost
  clock += 1_001;
  await feedChecked(); // the count grew without a message: not confirmed
  expect(await list.isRevoked(mine)).toBe(true);
});

test('revocations with their messages keep the feed complete, and each is known at once', async () => {
  const other = createRevocationList(own.url, { name: 'feed-test-other', now: () => clock });
  try {
    await feedChecked();
    const kept = token(randomUUID());
    expect(await list.isRevoked(kept)).toBe(false);
    const revokedSession = randomUUID();
    await other.revoke([{ kind: 'session', sessionId: revokedSession }]);
    await sleep(100);
    expect(await list.isRevoked(token(revokedSession))).toBe(true);
    await redis.set(`revoked:sid:${kept.sessionId}`, '1', 'EX', 60); // behind the list's back, as above
    clock += 5_000;
    await feedChecked();
    expect(await list.isRevoked(kept)).toBe(false);
  } finally {
    await other.close();
  }
});
