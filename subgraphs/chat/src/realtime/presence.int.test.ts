// Presence on the real Redis, with short leases: every held lease is renewed (one slot of them per tick, so all
// of them within a renewal period) and stays online for several lease lifetimes; a released one goes offline at once.
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from '@clinic/service-kit/testing';
import { createPresence } from './presence.ts';

const LEASE_MS = 600;

test('held leases outlive several lease lifetimes, renewed slot by slot; released ones are offline at once', async () => {
  const prefix = `t${randomBytes(4).toString('hex')}-`;
  const presence = createPresence(TEST_REDIS_URL, prefix, LEASE_MS);
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const users = Array.from({ length: 25 }, () => randomUUID());
    const releases = users.map((u) => presence.hold(u));
    await new Promise((r) => setTimeout(r, LEASE_MS * 3));
    expect(await Promise.all(users.map((u) => presence.online(u)))).toEqual(users.map(() => true));
    // Renewed spread out: the leases' expiries are not all one instant (one slot each tick).
    const expiries = new Set(await Promise.all(users.map(async (u) => (await redis.zrange(`${prefix}chat:presence:${u}`, 0, -1, 'WITHSCORES'))[1])));
    expect(expiries.size).toBeGreaterThan(1);
    releases[0]!();
    expect(await presence.online(users[0]!)).toBe(false);
    expect(await presence.online(users[1]!)).toBe(true);
  } finally {
    await presence.close();
    redis.disconnect();
  }
});
