// Periodic work that must run once per cluster, not once per replica (expiry sweeps, outbox pruning):
// a BullMQ job scheduler (`upsertJobScheduler`, idempotent, so every replica may declare it) produces one
// job per tick and whichever replica's worker takes it runs the work. Without Redis (the embedded
// single-process start) a timer in this process does it, which is once per cluster there too.
import { Queue, Worker } from 'bullmq';
import type { Logger } from './logger.ts';
import { createRedis } from './pubsub.ts';

export interface PeriodicTick {
  /** When this tick was due (the same on whichever replica runs it). */
  dueAt: Date;
  /** A stable id of the tick (the BullMQ job id, or a local counter). */
  tickId: string;
}

export interface PeriodicOptions {
  /** Unique in the cluster, e.g. `appointments-expiry`; with QUEUE_PREFIX applied by the caller. */
  name: string;
  everyMs: number;
  redisUrl: string | null;
  logger: Logger;
  run: (tick: PeriodicTick) => Promise<void>;
}

export interface PeriodicJob {
  close(): Promise<void>;
}

const KEEP = { removeOnComplete: { count: 20 }, removeOnFail: { age: 7 * 24 * 3600, count: 100 } };

/** Declares the job and starts this replica's worker; returns at once (declaring happens in the background). */
export function schedulePeriodic(opts: PeriodicOptions): PeriodicJob {
  const { name, everyMs, logger } = opts;
  if (!opts.redisUrl) return scheduleLocally(opts);
  const queueName = `periodic-${name}`;
  const connection = createRedis(opts.redisUrl, `${queueName}-scheduler`);
  connection.on('error', () => {});
  const queue = new Queue(queueName, { connection });
  queue.on('error', () => {});
  // Same scheduler id from every replica: declaring it again only updates the interval. Declared again on
  // every reconnection: a Redis restarted without persistence (or away at our start) has no scheduler, and
  // nothing would ever tick again.
  const declare = () =>
    queue
      .upsertJobScheduler(name, { every: everyMs }, { name, opts: KEEP })
      .then(() => undefined)
      .catch((error: unknown) => logger.warn({ err: error, job: name }, 'periodic job could not be declared'));
  let declared: Promise<void> = Promise.resolve();
  connection.on('ready', () => (declared = declared.then(declare)));
  const workerConnection = createRedis(opts.redisUrl, `${queueName}-worker`);
  workerConnection.on('error', () => {});
  const worker = new Worker(
    queueName,
    async (job) => {
      await opts.run({ dueAt: new Date(job.timestamp + (job.opts.delay ?? 0)), tickId: job.id ?? `${job.timestamp}` });
    },
    { connection: workerConnection, concurrency: 1 },
  );
  worker.on('failed', (job, error) => logger.warn({ err: error, job: name, tickId: job?.id }, 'periodic job failed'));
  worker.on('error', (error) => logger.warn({ err: error, job: name }, 'periodic worker error'));
  return {
    async close() {
      // Bounded: with Redis away, BullMQ's close would wait for a connection that never comes.
      const reachable = connection.status === 'ready' && workerConnection.status === 'ready';
      await withTimeout(Promise.all([worker.close(!reachable), declared.then(() => queue.close())]), reachable ? 5_000 : 200);
      workerConnection.disconnect();
      connection.disconnect();
    },
  };
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

function scheduleLocally(opts: PeriodicOptions): PeriodicJob {
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  let ticks = 0;
  const timer = setInterval(() => {
    // A slow run is not overlapped by the next tick; that tick is skipped.
    if (busy) return;
    busy = true;
    const tick = { dueAt: new Date(), tickId: `local-${++ticks}` };
    running = opts
      .run(tick)
      .catch((error: unknown) => opts.logger.warn({ err: error, job: opts.name }, 'periodic job failed'))
      .finally(() => {
        busy = false;
      });
  }, opts.everyMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}
