// The per-client budget decided locally and shared through the real Redis: two routers' limiters count
// one budget once synchronised; a limiter never waits for Redis on a request (it keeps deciding, per
// router, when Redis does not answer at all).
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createSyncedRateLimiter } from './local-rate-limit.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = [new Redis(REDIS_URL), new Redis(REDIS_URL)];

afterAll(() => {
  for (const r of redis) r.disconnect();
});

const allowedOf = async (limiter: ReturnType<typeof createSyncedRateLimiter>, key: string, n: number) => {
  let allowed = 0;
  for (let i = 0; i < n; i++) if ((await limiter.consume(key)).allowed) allowed += 1;
  return allowed;
};

test('two routers share one budget per client through Redis', async () => {
  const keyPrefix = `test:rl:${randomUUID()}`;
  const [a, b] = redis.map((r) => createSyncedRateLimiter({ points: 10, windowSeconds: 60, redis: r, keyPrefix, syncMs: 3_600_000 }));
  expect(await allowedOf(a!, 'user:1', 6)).toBe(6);
  await a!.sync();
  expect(await allowedOf(b!, 'user:1', 1)).toBe(1);
  await b!.sync();
  // b now knows of a's six: three more, then refused with a Retry-After.
  expect(await allowedOf(b!, 'user:1', 5)).toBe(3);
  const refused = await b!.consume('user:1');
  expect(refused).toEqual({ allowed: false, retryAfterSeconds: expect.any(Number) });
  expect(refused.retryAfterSeconds).toBeGreaterThan(0);
  // Another client is unaffected.
  expect(await allowedOf(b!, 'user:2', 3)).toBe(3);
  // a learns the total at its next synchronisation.
  await b!.sync();
  expect(await allowedOf(a!, 'user:1', 1)).toBe(1);
  await a!.sync();
  expect((await a!.consume('user:1')).allowed).toBe(false);
  a!.close();
  b!.close();
});

test('a request never waits for Redis: with a Redis that never answers, limits hold per router', async () => {
  const silent = net.createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as net.AddressInfo).port;
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: true, commandTimeout: 60_000 });
  const limiter = createSyncedRateLimiter({ points: 5, windowSeconds: 60, redis: client, keyPrefix: `test:rl:${randomUUID()}`, syncMs: 1 });
  try {
    // Each consume answers although the synchronisation it starts is stuck.
    expect(await allowedOf(limiter, 'user:1', 7)).toBe(5);
  } finally {
    limiter.close();
    client.disconnect();
    silent.close();
  }
});

test('one synchronisation is one Redis command, however many clients were active', async () => {
  const keyPrefix = `test:rl:${randomUUID()}`;
  const limiter = createSyncedRateLimiter({ points: 10, windowSeconds: 60, redis: redis[0]!, keyPrefix, syncMs: 3_600_000 });
  for (const key of ['user:1', 'user:2', 'user:3']) await allowedOf(limiter, key, 2);
  const sent = jest.spyOn(redis[0]!, 'sendCommand');
  try {
    await limiter.sync();
    expect(sent).toHaveBeenCalledTimes(1);
  } finally {
    sent.mockRestore();
    limiter.close();
  }
  expect(await redis[1]!.get(`${keyPrefix}:user:2`)).toBe('2');
});
