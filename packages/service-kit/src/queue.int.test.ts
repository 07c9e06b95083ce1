// Every queue is bounded: finished jobs by age and count, and jobs waiting for a consumer that is not
// deployed by age and count (the producer's once-per-cluster maintenance trims them).
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { createLogger } from './logger.ts';
import { createQueueProducer, QUEUE_RETENTION, trimWaitingJobs } from './queue.ts';
import { TEST_REDIS_URL } from './testing/index.ts';

const logger = createLogger('queue-test', 'silent');

test('jobs carry the retention for completed and failed jobs (never kept without bound)', async () => {
  const name = `test-retention-${randomUUID()}`;
  const producer = createQueueProducer(TEST_REDIS_URL, logger);
  const queue = new Queue(name, { connection: { url: TEST_REDIS_URL } });
  try {
    await producer.add(name, { eventId: randomUUID(), topic: 'x.y', payload: {}, createdAt: new Date().toISOString() });
    const [job] = await queue.getJobs(['wait']);
    expect(job!.opts.removeOnComplete).toEqual(QUEUE_RETENTION.completed);
    expect(job!.opts.removeOnFail).toEqual(QUEUE_RETENTION.failed);
    expect(QUEUE_RETENTION.failed).toMatchObject({ age: expect.any(Number), count: expect.any(Number) });
  } finally {
    await producer.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
});

test('a queue nobody consumes is trimmed: waiting jobs past the age go, then the oldest beyond the count', async () => {
  const name = `test-unconsumed-${randomUUID()}`;
  const producer = createQueueProducer(TEST_REDIS_URL, logger);
  const queue = new Queue(name, { connection: { url: TEST_REDIS_URL } });
  try {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const eventId = randomUUID();
      ids.push(eventId);
      await producer.add(name, { eventId, topic: 'appointment.requested', payload: { n: i }, createdAt: new Date().toISOString() });
      await new Promise((r) => setTimeout(r, 5));
    }
    // Nothing is old enough yet: only the count bound applies, keeping the newest four.
    expect(await trimWaitingJobs(TEST_REDIS_URL, [name], { maxAgeMs: 3_600_000, maxCount: 4 })).toEqual({ [name]: 2 });
    expect((await queue.getJobs(['wait'])).map((j) => j.id).sort()).toEqual(ids.slice(2).sort());
    // Everything waiting longer than the age bound goes.
    await new Promise((r) => setTimeout(r, 20));
    expect(await trimWaitingJobs(TEST_REDIS_URL, [name], { maxAgeMs: 10, maxCount: 100 })).toEqual({ [name]: 4 });
    expect(await queue.getWaitingCount()).toBe(0);
  } finally {
    await producer.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
});
