// Work queues between services: BullMQ on Redis (retries with exponential backoff, failed jobs kept for
// inspection for a while), or — only in the embedded single-process start without Redis — an in-process
// queue. Every queue is bounded: completed and failed jobs by age and count (QUEUE_RETENTION), and jobs
// waiting for a consumer that is not deployed by age and count (trimWaitingJobs, run once per cluster).
import { Queue, Worker, type Job, type KeepJobs } from 'bullmq';
import type { Logger } from './logger.ts';
import { createRedis } from './pubsub.ts';
import { watchQueue } from './metrics.ts';
import { SpanKind, contextFromTraceparent, inSpan, type TraceContext } from './telemetry.ts';

/** The job every consumer receives: the event id makes consumers idempotent. */
export interface OutboxJob {
  eventId: string;
  topic: string;
  payload: Record<string, unknown>;
  createdAt: string;
  /** W3C trace context of the request that caused the event: the job's span continues that trace. */
  traceparent?: string;
}

export interface QueueProducer {
  add(queue: string, job: OutboxJob): Promise<void>;
  /** False while Redis is unreachable (a failed add is then an outage, not the job's fault). */
  isConnected?(): boolean;
  close(): Promise<void>;
}

/**
 * Payload key of a secret only the consumer needs (an account mail's single-use link): the producer's outbox
 * row drops it once published, and a job that was handled drops it from what Redis keeps of it.
 */
export const OUTBOX_SECRET_KEY = 'link';

async function forgetSecret(job: Job<OutboxJob>): Promise<void> {
  if (!(OUTBOX_SECRET_KEY in (job.data.payload ?? {}))) return;
  const { [OUTBOX_SECRET_KEY]: _secret, ...payload } = job.data.payload;
  await job.updateData({ ...job.data, payload });
}

/** What Redis keeps of finished jobs on every queue: enough to inspect, never without bound. */
export const QUEUE_RETENTION: { completed: KeepJobs; failed: KeepJobs } = {
  completed: { age: 24 * 3600, count: 1_000 },
  failed: { age: 7 * 24 * 3600, count: 5_000 },
};

/**
 * Jobs waiting for a consumer: events are queued whether or not their consumer is deployed yet (it finds
 * what it missed when it starts), but only this long and this many; the producer's maintenance removes
 * the rest (trimWaitingJobs).
 */
export const WAITING_RETENTION = { maxAgeMs: 7 * 24 * 3600 * 1000, maxCount: 10_000 };

export interface QueueConsumer {
  close(): Promise<void>;
}

/**
 * `trace`: the job's span's context (it continues the trace the job carries), to hand on where no async
 * context does: tracedFork(orm, trace) for its SQL, redisSpan, a log line's traceIds(trace).
 */
type Handler = (job: OutboxJob, trace: TraceContext) => Promise<void>;

/** Runs a job's handler in a consumer span continuing the trace the job carries. */
function traced(queue: string, handler: Handler): (job: OutboxJob) => Promise<void> {
  return (job) =>
    inSpan(
      `job ${queue}`,
      { kind: SpanKind.CONSUMER, parent: contextFromTraceparent(job.traceparent), attributes: { 'messaging.destination.name': queue, 'messaging.message.id': job.eventId } },
      (_span, trace) => handler(job, trace),
    );
}

const ADD_TIMEOUT_MS = 3_000;

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
const localHandlers = new Map<string, ((job: OutboxJob) => Promise<void>)[]>();

export function createQueueProducer(redisUrl: string | null, logger: Logger): QueueProducer {
  if (!redisUrl) {
    logger.warn('REDIS_URL is not set: queued work is handled in this process only');
    return {
      async add(queue, job) {
        for (const handler of localHandlers.get(queue) ?? []) {
          setImmediate(() => {
            handler(job).catch((error: unknown) => logger.error({ err: error, queue, eventId: job.eventId }, 'in-process job failed'));
          });
        }
      },
      async close() {},
    };
  }
  const connection = createRedis(redisUrl, 'queue-producer', { failFast: true });
  // An unhandled 'error' event would crash the process while Redis is away; failures surface per add().
  connection.on('error', () => {});
  const queues = new Map<string, Queue>();
  return {
    async add(name, job) {
      let queue = queues.get(name);
      if (!queue) {
        queue = new Queue(name, { connection });
        queues.set(name, queue);
      }
      // jobId = event id: a redelivery after a crash is deduplicated by BullMQ.
      const added = queue.add(job.topic, job, {
        jobId: job.eventId,
        attempts: 8,
        backoff: { type: 'exponential', delay: 1_000 },
        removeOnComplete: QUEUE_RETENTION.completed,
        removeOnFail: QUEUE_RETENTION.failed,
      });
      await withTimeout(added, ADD_TIMEOUT_MS, `queue ${name} did not accept the job in time`);
    },
    isConnected: () => connection.status === 'ready',
    async close() {
      for (const q of queues.values()) await q.close();
      connection.disconnect();
    },
  };
}

export function consumeQueue(
  queue: string,
  redisUrl: string | null,
  handler: Handler,
  logger: Logger,
  opts: { concurrency?: number } = {},
): QueueConsumer {
  const handle = traced(queue, handler);
  if (!redisUrl) {
    const list = localHandlers.get(queue) ?? [];
    list.push(handle);
    localHandlers.set(queue, list);
    return {
      async close() {
        localHandlers.set(queue, (localHandlers.get(queue) ?? []).filter((h) => h !== handle));
      },
    };
  }
  const connection = createRedis(redisUrl, `${queue}-worker`);
  const worker = new Worker<OutboxJob>(
    queue,
    async (job: Job<OutboxJob>) => {
      await handle(job.data);
      await forgetSecret(job);
    },
    {
      connection,
      concurrency: opts.concurrency ?? 4,
    },
  );
  worker.on('failed', (job, error) => logger.warn({ err: error, queue, eventId: job?.data.eventId, attempt: job?.attemptsMade }, 'job failed'));
  // Depth and oldest age for /metrics, read through the worker's own connection.
  const inspector = new Queue(queue, { connection });
  const unwatch = watchQueue(queue, inspector, worker);
  return {
    async close() {
      unwatch();
      await inspector.close();
      await worker.close();
      // BullMQ leaves a connection it was given open.
      connection.disconnect();
    },
  };
}

/**
 * Removes waiting jobs older than `maxAgeMs`, then the oldest beyond `maxCount`, from each queue: the
 * bound for queues whose consumer is not deployed (or has been away for longer than anyone should wait).
 * Returns how many jobs were removed per queue.
 */
export async function trimWaitingJobs(
  redisUrl: string,
  queues: string[],
  limits: { maxAgeMs: number; maxCount: number } = WAITING_RETENTION,
): Promise<Record<string, number>> {
  const connection = createRedis(redisUrl, 'queue-trim', { failFast: true });
  connection.on('error', () => {});
  const removed: Record<string, number> = {};
  try {
    for (const name of queues) {
      const queue = new Queue(name, { connection });
      try {
        let count = (await queue.clean(limits.maxAgeMs, 10_000, 'wait')).length;
        const excess = (await queue.getWaitingCount()) - limits.maxCount;
        if (excess > 0) {
          // Oldest first; bounded per run so one pass never blocks Redis for long.
          const oldest = await queue.getJobs(['wait'], 0, Math.min(excess, 10_000) - 1, true);
          for (const job of oldest) await job.remove().then(() => count++, () => undefined);
        }
        removed[name] = count;
      } finally {
        await queue.close();
      }
    }
  } finally {
    connection.disconnect();
  }
  return removed;
}
