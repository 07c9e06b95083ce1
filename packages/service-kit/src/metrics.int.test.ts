// Queue metrics on the real Redis: a consumed queue reports its depth, its oldest waiting job's age and
// failed attempts; operation names from clients are bounded before they become label values.
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { consumeQueue, createQueueProducer, type OutboxJob } from './queue.ts';
import { metricsRegistry, operationLabel } from './metrics.ts';
import { TEST_REDIS_URL } from './testing/index.ts';

const logger = pino({ level: 'silent' });

function valueOf(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : NaN;
}

test('a consumed queue reports depth, oldest waiting age and failed attempts', async () => {
  const queue = `metrics-test-${randomBytes(4).toString('hex')}`;
  const producer = createQueueProducer(TEST_REDIS_URL, logger);
  const job = (n: number): OutboxJob => ({ eventId: `${queue}-${n}`, topic: 'test.event', payload: { n }, createdAt: new Date().toISOString() });
  // Three jobs wait before anyone consumes; one worker at a time.
  await producer.add(queue, job(1));
  await producer.add(queue, job(2));
  await producer.add(queue, job(3));
  let failedOnce: () => void = () => {};
  const failed = new Promise<void>((resolve) => (failedOnce = resolve));
  let release: () => void = () => {};
  const hold = new Promise<void>((resolve) => (release = resolve));
  const consumer = consumeQueue(
    queue,
    TEST_REDIS_URL,
    async (j) => {
      if (j.payload.n === 1) {
        failedOnce();
        throw new Error('first job fails');
      }
      await hold;
    },
    logger,
    { concurrency: 1 },
  );
  try {
    await failed;
    // The failure event is emitted after the handler throws; wait for it to be counted.
    for (let i = 0; i < 50 && !(valueOf(await metricsRegistry.metrics(), `queue_jobs_total{queue="${queue}",outcome="failed"}`) >= 1); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 250));
    const text = await metricsRegistry.metrics();
    expect(valueOf(text, `queue_jobs_total{queue="${queue}",outcome="failed"}`)).toBe(1);
    // Job 2 is being handled (held), job 3 waits behind it, job 1 waits for its retry (backoff).
    expect(valueOf(text, `queue_jobs{queue="${queue}",state="active"}`)).toBe(1);
    expect(valueOf(text, `queue_jobs{queue="${queue}",state="waiting"}`)).toBe(1);
    expect(valueOf(text, `queue_jobs{queue="${queue}",state="delayed"}`)).toBe(1);
    expect(valueOf(text, `queue_oldest_waiting_age_seconds{queue="${queue}"}`)).toBeGreaterThanOrEqual(0.25);
  } finally {
    release();
    await consumer.close();
    await producer.close();
  }
  // A closed consumer no longer reports its queue.
  expect(await metricsRegistry.metrics()).not.toContain(`queue_jobs{queue="${queue}"`);
});

test('operation names are bounded label values', () => {
  expect(operationLabel(undefined)).toBe('(anonymous)');
  expect(operationLabel('Bookings')).toBe('Bookings');
  expect(operationLabel('x'.repeat(65))).toBe('(invalid)');
  expect(operationLabel('drop"table')).toBe('(invalid)');
  for (let i = 0; i < 600; i++) operationLabel(`Op${i}`);
  expect(operationLabel('Op599')).toBe('(other)');
  expect(operationLabel('Bookings')).toBe('Bookings');
});
