// Queue health for admins: depth (waiting, delayed, active), failed jobs kept, the age of the oldest job
// waiting to run, and the failed share of the finished jobs BullMQ keeps.
import type { Queue } from 'bullmq';

export interface QueueStats {
  name: string;
  waiting: number;
  delayed: number;
  active: number;
  failed: number;
  oldestWaitingSeconds: number;
  failureRate: number;
}

export async function queueStats(queues: Queue[]): Promise<QueueStats[]> {
  return Promise.all(
    queues.map(async (q) => {
      const counts = await q.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'failed', 'completed');
      const [oldest] = await q.getJobs(['waiting', 'prioritized'], 0, 0, true);
      const finished = (counts.failed ?? 0) + (counts.completed ?? 0);
      return {
        name: q.name,
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
        delayed: counts.delayed ?? 0,
        active: counts.active ?? 0,
        failed: counts.failed ?? 0,
        oldestWaitingSeconds: oldest ? Math.max(0, (Date.now() - oldest.timestamp) / 1000) : 0,
        failureRate: finished ? (counts.failed ?? 0) / finished : 0,
      };
    }),
  );
}
