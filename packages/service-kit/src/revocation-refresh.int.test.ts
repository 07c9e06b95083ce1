// The revocation list re-reads a key that is still being asked for shortly before its local answer expires,
// in the background: a caller who keeps sending requests does not wait for Redis, yet an entry written to
// Redis without its message (a missed message) is seen within the one-second bound, and a revocation once
// known is not undone by a read that finds no entry. Real Redis, a clock the test moves.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from './testing/index.ts';
import { createRevocationList, REVOCATION_COUNT_KEY, type RevocationList } from './revocation.ts';

let redis: Redis;
const lists: RevocationList[] = [];
let clock = Date.now();
const open = () => {
  const list = createRevocationList(TEST_REDIS_URL, { name: 'refresh-test', now: () => clock });
  lists.push(list);
  return list;
};
beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL);
});
afterAll(async () => {
  for (const list of lists) await list.close();
  redis.disconnect();
});

const subject = randomUUID();
const token = (sessionId: string) => ({ kind: 'user' as const, subject, sessionId, issuedAt: Math.floor(Date.now() / 1000) });
const eventually = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 40; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
};

test('a key asked for near the end of its answer is re-read in the background, within the bound', async () => {
  const list = open();
  const sessionId = randomUUID();
  expect(await list.isRevoked(token(sessionId))).toBe(false); // read now, trusted for a second
  // Revoked in Redis (and counted) without the message reaching this list.
  await redis.multi().set(`revoked:sid:${sessionId}`, '1', 'EX', 60).incr(REVOCATION_COUNT_KEY).exec();
  clock += 700; // the answer is 0.7 s old: still answered from memory, and re-read behind the caller
  expect(await list.isRevoked(token(sessionId))).toBe(false);
  // Seen before the answer's second is up (the clock stays at 0.7 s).
  expect(await eventually(() => list.isRevoked(token(sessionId)))).toBe(true);
});

test('a revocation once known is not undone by a read that finds no entry', async () => {
  const list = open();
  const sessionId = randomUUID();
  await list.revoke([{ kind: 'session', sessionId }]);
  expect(await list.isRevoked(token(sessionId))).toBe(true);
  await redis.del(`revoked:sid:${sessionId}`); // e.g. Redis restarted without its data
  clock += 1_500; // past the local answer: read again, finds nothing
  expect(await list.isRevoked(token(sessionId))).toBe(true);
});
