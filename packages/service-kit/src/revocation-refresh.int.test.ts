// The revocation list re-reads a key that is still being asked for shortly before its local answer expires,
// in the background: a caller who keeps sending requests does not wait for Redis, yet an entry written to
// Redis without its message (a missed message) is seen within the one-second bound, and a revocation once
// known is not undone by a read that finds no entry, and many tokens missing at once are read together. Real Redis, a clock the test moves.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
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

test("many tokens missing from the cache at once (one event re-checking every subscriber) are read in one MGET, each answered for itself", async () => {
  const list = open();
  const sessions = Array.from({ length: 200 }, () => randomUUID());
  await redis.set(`revoked:sid:${sessions[7]}`, '1', 'EX', 60);
  // MONITOR on a plain socket (ioredis's monitor mode can mistake a monitored line for a reply).
  const url = new URL(TEST_REDIS_URL);
  const monitor = net.connect(Number(url.port || 6379), url.hostname);
  const reads: string[][] = [];
  let text = '';
  monitor.on('data', (chunk) => {
    text += chunk.toString();
    const lines = text.split('\r\n');
    text = lines.pop()!;
    for (const line of lines) {
      const args = [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
      if (args[0]?.toLowerCase() === 'mget' && args.some((key) => sessions.some((sid) => key.endsWith(sid)))) reads.push(args.slice(1));
    }
  });
  if (url.password) monitor.write(`AUTH ${decodeURIComponent(url.password)}\r\n`);
  monitor.write('MONITOR\r\n');
  await new Promise((resolve) => monitor.once('data', resolve));
  const answers = await Promise.all(sessions.map((sid) => list.isRevoked(token(sid))));
  await new Promise((r) => setTimeout(r, 100)); // the monitor hears the command a moment after the reply
  monitor.destroy();
  expect(answers.filter(Boolean)).toHaveLength(1);
  expect(answers[7]).toBe(true);
  expect(reads).toHaveLength(1);
  expect(new Set(reads[0])).toEqual(new Set([`revoked:user:${subject}`, ...sessions.map((sid) => `revoked:sid:${sid}`)]));
});
