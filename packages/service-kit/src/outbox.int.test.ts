// The outbox on the real Postgres and Redis: events exist iff their transaction committed, reach the
// BullMQ queue once, and survive Redis being away.
import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createOrm } from './orm.ts';
import { createLogger } from './logger.ts';
import { enqueueEvent, outboxMigration, OutboxEventSchema, startOutboxRelay } from './outbox.ts';
import { consumeQueue, type OutboxJob } from './queue.ts';
import { createTestKeys, dropSchema, testServiceConfig, TEST_REDIS_URL } from './testing/index.ts';

const logger = createLogger('outbox-test', 'silent');
let orm: MikroORM;
let schema: string;

beforeAll(async () => {
  const config = testServiceConfig('outbox', await createTestKeys());
  schema = config.dbSchema;
  orm = await createOrm({ config, entities: [OutboxEventSchema], migrations: [outboxMigration], logger });
});

afterAll(async () => {
  await orm?.close(true);
  await dropSchema(schema);
});

function collect(queue: string) {
  const jobs: OutboxJob[] = [];
  const consumer = consumeQueue(queue, TEST_REDIS_URL, async (job) => {
    jobs.push(job);
  }, logger);
  return { jobs, consumer };
}

async function until(check: () => boolean, ms = 5_000) {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('a committed event is delivered to its queue exactly once; a rolled-back one never exists', async () => {
  const queue = `test-outbox-${randomUUID()}`;
  const { jobs, consumer } = collect(queue);
  const committedId = randomUUID();
  await orm.em.fork().transactional(async (em) => {
    enqueueEvent(em, 'appointment.requested', { appointmentId: committedId });
  });
  await expect(
    orm.em.fork().transactional(async (em) => {
      enqueueEvent(em, 'appointment.requested', { appointmentId: 'rolled-back' });
      await em.flush();
      throw new Error('the change failed');
    }),
  ).rejects.toThrow('the change failed');

  const relay = startOutboxRelay({ orm, redisUrl: TEST_REDIS_URL, routes: [{ prefix: 'appointment.', queues: [queue] }], logger, pollIntervalMs: 50 });
  await until(() => jobs.length >= 1);
  // A second relay pass (and a second relay replica) must not deliver it again.
  await relay.drain();
  const replica = startOutboxRelay({ orm, redisUrl: TEST_REDIS_URL, routes: [{ prefix: 'appointment.', queues: [queue] }], logger });
  await replica.drain();
  await new Promise((r) => setTimeout(r, 300));
  await replica.stop();
  await relay.stop();
  await consumer.close();

  expect(jobs.map((j) => j.payload.appointmentId)).toEqual([committedId]);
  expect(jobs[0]!.topic).toBe('appointment.requested');
  const rows = await orm.em.fork().find(OutboxEventSchema, {});
  expect(rows.filter((r) => r.payload.appointmentId === 'rolled-back')).toHaveLength(0);
});

test('while Redis is unreachable events wait in the outbox, then go out when it is back', async () => {
  const queue = `test-outbox-${randomUUID()}`;
  const id = randomUUID();
  await orm.em.fork().transactional(async (em) => {
    enqueueEvent(em, 'appointment.cancelled', { appointmentId: id });
  });
  const down = startOutboxRelay({ orm, redisUrl: 'redis://127.0.0.1:1', routes: [{ prefix: 'appointment.', queues: [queue] }], logger, pollIntervalMs: 10_000 });
  const deliveredWhileDown = await Promise.race([down.drain(), new Promise<number>((r) => setTimeout(() => r(-1), 1_500))]);
  expect(deliveredWhileDown).toBeLessThanOrEqual(0);
  await down.stop().catch(() => undefined);
  const pending = await orm.em.fork().findOne(OutboxEventSchema, { payload: { appointmentId: id } });
  expect(pending?.publishedAt).toBeNull();

  const { jobs, consumer } = collect(queue);
  const up = startOutboxRelay({ orm, redisUrl: TEST_REDIS_URL, routes: [{ prefix: 'appointment.', queues: [queue] }], logger, pollIntervalMs: 50 });
  await until(() => jobs.some((j) => j.payload.appointmentId === id));
  await up.stop();
  await consumer.close();
});
