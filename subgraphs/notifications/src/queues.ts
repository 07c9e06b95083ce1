// This subgraph's own BullMQ queues: `notifications-reminders` (delayed jobs at each reminder's due instant)
// and `notifications-deliveries` (e-mail/SMS sends; priorities, retries with exponential backoff, failed jobs
// kept). Job ids are derived from the row (and its due instant), so adding a job twice is a no-op. Without
// Redis (the embedded start) the same handlers run on in-process timers.
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { createRedis, type Logger } from '@clinic/service-kit';
import type { JobQueues } from './deps.ts';

export const REMINDERS_QUEUE = 'notifications-reminders';
export const DELIVERIES_QUEUE = 'notifications-deliveries';

export interface QueueHandlers {
  reminder(reminderId: string): Promise<unknown>;
  /** Throws to be retried; `lastTry` when the queue will not retry again. */
  delivery(attemptId: string, lastTry: boolean): Promise<unknown>;
}

export interface RunningQueues extends JobQueues {
  /** The BullMQ queues (monitoring); empty without Redis. */
  queues: Queue[];
  close(): Promise<void>;
}

export interface QueueOptions {
  redisUrl: string | null;
  prefix: string;
  logger: Logger;
  attempts: number;
  retryDelayMs: number;
  concurrency?: number;
  /** Whether this process also runs the workers (tests start producers-only instances too). */
  work?: boolean;
  /** The clock due instants are measured against (tests move it). */
  now?: () => Date;
}

export function startQueues(opts: QueueOptions, handlers: QueueHandlers): RunningQueues {
  const now = () => (opts.now ? opts.now().getTime() : Date.now());
  if (!opts.redisUrl) return localQueues(opts, handlers, now);
  const connection = createRedis(opts.redisUrl, 'notifications-queues', { failFast: true });
  connection.on('error', () => {});
  const reminders = new Queue(opts.prefix + REMINDERS_QUEUE, { connection });
  const deliveries = new Queue(opts.prefix + DELIVERIES_QUEUE, { connection });
  const reminderJob = (reminderId: string, at: Date) => ({
    jobId: `r-${reminderId}-${at.getTime()}`,
    delay: Math.max(0, at.getTime() - now()),
    removeOnComplete: 1_000,
    removeOnFail: 5_000,
    attempts: 5,
    backoff: { type: 'exponential' as const, delay: opts.retryDelayMs },
  });
  const workers: Worker[] = [];
  const workerConnections: ReturnType<typeof createRedis>[] = [];
  if (opts.work !== false) {
    const rc = createRedis(opts.redisUrl, 'notifications-reminders-worker');
    const dc = createRedis(opts.redisUrl, 'notifications-deliveries-worker');
    workerConnections.push(rc, dc);
    workers.push(
      new Worker(opts.prefix + REMINDERS_QUEUE, (job: Job<{ reminderId: string }>) => handlers.reminder(job.data.reminderId), {
        connection: rc,
        // Reminders come due in bursts (every appointment at 10:00 has its 1 h reminder at 09:00): as many at
        // once as the database pool serves (DB_POOL_MAX, 10 by default).
        concurrency: opts.concurrency ?? 10,
      }),
      new Worker(
        opts.prefix + DELIVERIES_QUEUE,
        async (job: Job<{ attemptId: string }>) => {
          const lastTry = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
          const result = await handlers.delivery(job.data.attemptId, lastTry);
          if (result === 'permanent') throw new UnrecoverableError('permanent delivery failure');
          return result;
        },
        { connection: dc, concurrency: opts.concurrency ?? 4 },
      ),
    );
    for (const w of workers) w.on('failed', (job, error) => opts.logger.warn({ err: error, queue: w.name, jobId: job?.id, attempt: job?.attemptsMade }, 'notification job failed'));
    for (const w of workers) w.on('error', (error) => opts.logger.warn({ err: error, queue: w.name }, 'notification worker error'));
  }
  return {
    queues: [reminders, deliveries],
    async reminder(reminderId, at) {
      await reminders.add('reminder', { reminderId }, reminderJob(reminderId, at));
    },
    async reminders(list) {
      for (let i = 0; i < list.length; i += 500) {
        await reminders.addBulk(list.slice(i, i + 500).map((r) => ({ name: 'reminder', data: { reminderId: r.id }, opts: reminderJob(r.id, r.at) })));
      }
    },
    async delivery(attemptId, urgent, notBefore) {
      // A finished job with this id (a dead letter being retried) would make the add a no-op: clear it first.
      const previous = await deliveries.getJob(`d-${attemptId}`);
      if (previous && ['completed', 'failed'].includes(await previous.getState())) await previous.remove();
      await deliveries.add(
        'delivery',
        { attemptId },
        {
          jobId: `d-${attemptId}`,
          priority: urgent ? 1 : 5,
          delay: notBefore ? Math.max(0, notBefore.getTime() - now()) : 0,
          attempts: opts.attempts,
          backoff: { type: 'exponential', delay: opts.retryDelayMs },
          removeOnComplete: 1_000,
          removeOnFail: 5_000,
        },
      );
    },
    async close() {
      for (const w of workers) await w.close();
      await reminders.close();
      await deliveries.close();
      for (const c of workerConnections) c.disconnect();
      connection.disconnect();
    },
  };
}

/** In-process timers with the same retry rules (the embedded start without Redis). */
function localQueues(opts: QueueOptions, handlers: QueueHandlers, now: () => number): RunningQueues {
  opts.logger.warn('REDIS_URL is not set: reminders and deliveries run on in-process timers');
  const timers = new Map<string, NodeJS.Timeout>();
  const later = (key: string, at: number, run: () => Promise<void>) => {
    if (timers.has(key)) return;
    // setTimeout holds at most ~24.8 days; the sweeper re-adds anything further away when it comes due.
    const delay = Math.min(Math.max(0, at - now()), 2 ** 31 - 1);
    const timer = setTimeout(() => {
      timers.delete(key);
      run().catch((error: unknown) => opts.logger.warn({ err: error, key }, 'in-process notification job failed'));
    }, delay);
    timer.unref();
    timers.set(key, timer);
  };
  const deliver = (attemptId: string, attempt: number, at: number) =>
    later(`d-${attemptId}-${attempt}`, at, async () => {
      const lastTry = attempt + 1 >= opts.attempts;
      try {
        await handlers.delivery(attemptId, lastTry);
      } catch {
        if (!lastTry) deliver(attemptId, attempt + 1, now() + opts.retryDelayMs * 2 ** attempt);
      }
    });
  return {
    queues: [],
    async reminder(reminderId, at) {
      later(`r-${reminderId}-${at.getTime()}`, at.getTime(), async () => void (await handlers.reminder(reminderId)));
    },
    async reminders(list) {
      for (const r of list) await this.reminder(r.id, r.at);
    },
    async delivery(attemptId, _urgent, notBefore) {
      deliver(attemptId, 0, notBefore?.getTime() ?? now());
    },
    async close() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}
