// Periodic work runs once per cluster: two replicas declaring the same BullMQ job scheduler run each tick
// once between them (two setInterval timers would run it twice); without Redis a local timer runs it.
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { createLogger } from './logger.ts';
import { schedulePeriodic, type PeriodicTick } from './periodic.ts';
import { startOwnRedis, TEST_REDIS_URL } from './testing/index.ts';

const logger = createLogger('periodic-test', 'silent');

test('two replicas of a periodic job: each tick runs exactly once in the cluster', async () => {
  const name = `test-sweep-${randomBytes(4).toString('hex')}`;
  const runs: { replica: string; tick: PeriodicTick }[] = [];
  const replica = (id: string) =>
    schedulePeriodic({ name, everyMs: 200, redisUrl: TEST_REDIS_URL, logger, run: async (tick) => void runs.push({ replica: id, tick }) });
  const a = replica('a');
  const b = replica('b');
  const started = Date.now();
  await new Promise((r) => setTimeout(r, 2_100));
  await a.close();
  await b.close();
  const elapsed = Date.now() - started;

  const ticks = runs.map((r) => r.tick.tickId);
  expect(new Set(ticks).size).toBe(ticks.length);
  // Once per 200 ms tick, not twice (two timers would give about 2 × elapsed / 200).
  expect(runs.length).toBeGreaterThanOrEqual(5);
  expect(runs.length).toBeLessThanOrEqual(Math.ceil(elapsed / 200) + 1);
  const queue = new Queue(`periodic-${name}`, { connection: { url: TEST_REDIS_URL } });
  await queue.obliterate({ force: true });
  await queue.close();
});

test('without Redis a timer in this process runs the job, never overlapping itself', async () => {
  let running = 0;
  let maxRunning = 0;
  let runs = 0;
  const job = schedulePeriodic({
    name: 'local',
    everyMs: 20,
    redisUrl: null,
    logger,
    run: async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      runs++;
      await new Promise((r) => setTimeout(r, 50));
      running--;
    },
  });
  await new Promise((r) => setTimeout(r, 400));
  await job.close();
  expect(runs).toBeGreaterThanOrEqual(3);
  expect(maxRunning).toBe(1);
});

test('a Redis that comes back empty (restarted without persistence) gets the job declared again, and ticks resume', async () => {
  const redis = await startOwnRedis();
  let runs = 0;
  const job = schedulePeriodic({ name: 'after-restart', everyMs: 200, redisUrl: redis.url, logger, run: async () => void runs++ });
  try {
    const waitForRuns = async (atLeast: number) => {
      for (let i = 0; i < 100 && runs < atLeast; i++) await new Promise((r) => setTimeout(r, 100));
      return runs;
    };
    expect(await waitForRuns(2)).toBeGreaterThanOrEqual(2);
    await redis.stop();
    await redis.start();
    const before = runs;
    // Without declaring again, nothing is scheduled in the new Redis: no tick would ever run.
    expect(await waitForRuns(before + 2)).toBeGreaterThanOrEqual(before + 2);
  } finally {
    await job.close();
    await redis.stop();
  }
}, 30_000);
