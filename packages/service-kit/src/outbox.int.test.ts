// The outbox on the real Postgres and Redis: events exist iff their transaction committed, reach the
// BullMQ queue once, and survive Redis being away; one bad event is retried on its own and set aside as
// DEAD instead of stalling the rest; order holds per aggregate; NOTIFY wakes a relay; old rows are pruned.
import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createOrm } from './orm.ts';
import { createLogger } from './logger.ts';
import { enqueueEvent, maintainOutbox, outboxMigration, OutboxEventSchema, startOutboxRelay, type OutboxRoute } from './outbox.ts';
import { listDeadEvents, outboxBacklog, retryDeadEvent } from './outbox-admin.ts';
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

const uuid = () => randomUUID();
const rowsOf = async (ids: string[]) => {
  const rows = await orm.em.fork().find(OutboxEventSchema, {});
  return rows.filter((r) => ids.includes(String(r.payload.appointmentId ?? r.payload.n)));
};

test('one bad event is retried on its own with backoff and set aside as DEAD; the events behind it go out; an admin retry delivers it', async () => {
  const queue = `test-outbox-${uuid()}`;
  const { jobs, consumer } = collect(queue);
  let poisonFixed = false;
  const routes: OutboxRoute[] = [
    {
      prefix: 'appointment.',
      // A route that fails on one malformed event (a bug, a payload it cannot handle).
      pubsubTrigger: (e) => {
        if (e.payload.poison && !poisonFixed) throw new Error('cannot route this event');
        return null;
      },
    },
    { prefix: 'appointment.', queues: [queue] },
  ];
  const bad = uuid();
  const good = [uuid(), uuid(), uuid()];
  await orm.em.fork().transactional(async (em) => {
    enqueueEvent(em, 'appointment.requested', { appointmentId: bad, poison: true });
    for (const id of good) enqueueEvent(em, 'appointment.requested', { appointmentId: id });
  });
  const relay = startOutboxRelay({ orm, redisUrl: TEST_REDIS_URL, routes, logger, pollIntervalMs: 30, maxAttempts: 3, retryBaseMs: 50, maintenance: false });
  await until(() => good.every((id) => jobs.some((j) => j.payload.appointmentId === id)));

  // Retried with growing delays, then DEAD: visible to an admin, no longer retried.
  const deadline = Date.now() + 5_000;
  let dead = await listDeadEvents(orm.em.fork());
  while (!dead.some((d) => d.aggregateKey === `appointment:${bad}`) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    dead = await listDeadEvents(orm.em.fork());
  }
  const entry = dead.find((d) => d.aggregateKey === `appointment:${bad}`)!;
  expect(entry).toMatchObject({ topic: 'appointment.requested', attempts: 3, lastError: 'cannot route this event' });
  expect(jobs.some((j) => j.payload.appointmentId === bad)).toBe(false);
  expect((await outboxBacklog(orm.em.fork())).dead).toBeGreaterThanOrEqual(1);

  // The fault is fixed; the admin retries it and it goes out.
  poisonFixed = true;
  await retryDeadEvent(orm.em.fork(), entry.id);
  await until(() => jobs.some((j) => j.payload.appointmentId === bad));
  expect((await listDeadEvents(orm.em.fork())).some((d) => d.id === entry.id)).toBe(false);
  await expect(retryDeadEvent(orm.em.fork(), entry.id)).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  await relay.stop();
  await consumer.close();
});

test('order is kept per aggregate: a failing event holds back later events of its aggregate only', async () => {
  const queue = `test-outbox-${uuid()}`;
  const { jobs, consumer } = collect(queue);
  const [a, b] = [uuid(), uuid()];
  let failFirst = true;
  const routes: OutboxRoute[] = [
    {
      prefix: 'appointment.',
      pubsubTrigger: (e) => {
        if (e.payload.step === 1 && e.payload.appointmentId === a && failFirst) throw new Error('not yet');
        return null;
      },
    },
    { prefix: 'appointment.', queues: [queue] },
  ];
  await orm.em.fork().transactional(async (em) => {
    enqueueEvent(em, 'appointment.requested', { appointmentId: a, step: 1 });
    enqueueEvent(em, 'appointment.approved', { appointmentId: a, step: 2 });
    enqueueEvent(em, 'appointment.requested', { appointmentId: b, step: 1 });
    enqueueEvent(em, 'appointment.approved', { appointmentId: b, step: 2 });
  });
  const relay = startOutboxRelay({ orm, redisUrl: TEST_REDIS_URL, routes, logger, pollIntervalMs: 30, retryBaseMs: 200, maintenance: false });
  await until(() => jobs.filter((j) => j.payload.appointmentId === b).length === 2);
  await new Promise((r) => setTimeout(r, 200));
  // b went out in order; a's second event waits behind its failing first.
  expect(jobs.filter((j) => j.payload.appointmentId === b).map((j) => j.topic)).toEqual(['appointment.requested', 'appointment.approved']);
  expect(jobs.filter((j) => j.payload.appointmentId === a)).toEqual([]);
  failFirst = false;
  await until(() => jobs.filter((j) => j.payload.appointmentId === a).length === 2);
  expect(jobs.filter((j) => j.payload.appointmentId === a).map((j) => j.payload.step)).toEqual([1, 2]);
  await relay.stop();
  await consumer.close();
});

test('a commit by another process wakes a LISTENing relay at once (no fast poll); a pool of one connection polls instead', async () => {
  const queue = `test-outbox-${uuid()}`;
  const { jobs, consumer } = collect(queue);
  const routes = [{ prefix: 'appointment.', queues: [queue] }];
  const relay = startOutboxRelay({ orm, redisUrl: TEST_REDIS_URL, routes, logger, pollIntervalMs: 60_000, maintenance: false });
  await until(() => relay.listening);
  // Another replica (its own ORM on the same schema) commits an event.
  const other = await createOrm({ config: { ...testServiceConfig('outbox', await createTestKeys()), dbSchema: schema }, entities: [OutboxEventSchema], migrations: [outboxMigration], logger });
  const id = uuid();
  const committedAt = Date.now();
  await other.em.fork().transactional(async (em) => {
    enqueueEvent(em, 'appointment.requested', { appointmentId: id });
  });
  await until(() => jobs.some((j) => j.payload.appointmentId === id), 3_000);
  expect(Date.now() - committedAt).toBeLessThan(2_000);
  await relay.stop();

  const single = await createOrm({ config: { ...testServiceConfig('outbox', await createTestKeys()), dbSchema: schema, dbPoolMax: 1 }, entities: [OutboxEventSchema], migrations: [outboxMigration], logger });
  const polling = startOutboxRelay({ orm: single, redisUrl: TEST_REDIS_URL, routes, logger, pollIntervalMs: 100, maintenance: false });
  expect(polling.listening).toBe(false);
  const second = uuid();
  await other.em.fork().transactional(async (em) => {
    enqueueEvent(em, 'appointment.requested', { appointmentId: second });
  });
  await until(() => jobs.some((j) => j.payload.appointmentId === second));
  expect(polling.listening).toBe(false);
  await polling.stop();
  await single.close(true);
  await other.close(true);
  await consumer.close();
});

test('maintenance prunes delivered rows past the retention and keeps pending and dead ones', async () => {
  const [old, recent, pending, dead] = [uuid(), uuid(), uuid(), uuid()];
  await orm.em.fork().transactional(async (em) => {
    for (const n of [old, recent, pending, dead]) enqueueEvent(em, 'test.kept', { n });
  });
  const conn = orm.em.getConnection();
  await conn.execute(`update outbox_events set published_at = now() - interval '8 days' where payload->>'n' = ?`, [old]);
  await conn.execute(`update outbox_events set published_at = now() - interval '1 day' where payload->>'n' = ?`, [recent]);
  await conn.execute(`update outbox_events set dead_at = now() - interval '30 days' where payload->>'n' = ?`, [dead]);
  const { pruned } = await maintainOutbox(orm, null, [], { retainPublishedMs: 7 * 24 * 3600 * 1000 });
  expect(pruned).toBeGreaterThanOrEqual(1);
  const left = (await rowsOf([old, recent, pending, dead])).map((r) => r.payload.n);
  expect(left.sort()).toEqual([recent, pending, dead].sort());
});
