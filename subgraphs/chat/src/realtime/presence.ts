// Who is connected: a user with a live chat subscription (on any replica) is online. Each subscription holds
// a lease in a Redis sorted set per user (score = lease expiry), renewed while it lives and removed when it
// ends, so a crashed replica's leases simply run out. Without Redis (embedded start) an in-process count.
import { randomUUID } from 'node:crypto';
import { createRedis, redisSpan, type TraceContext } from '@clinic/service-kit';

const LEASE_MS = 30_000;

export interface Presence {
  /** Marks the user online until the returned release is called. */
  hold(userId: string): () => void;
  /** `trace`: the asking request's trace context; a sampled one shows the lookup as a span. */
  online(userId: string, trace?: TraceContext): Promise<boolean>;
  close(): Promise<void>;
}

export function createPresence(redisUrl: string | null, prefix = ''): Presence {
  if (!redisUrl) {
    const counts = new Map<string, number>();
    return {
      hold(userId) {
        counts.set(userId, (counts.get(userId) ?? 0) + 1);
        let released = false;
        return () => {
          if (released) return;
          released = true;
          counts.set(userId, (counts.get(userId) ?? 1) - 1);
        };
      },
      online: async (userId) => (counts.get(userId) ?? 0) > 0,
      close: async () => {},
    };
  }
  // A send asks who is online: it waits a moment for Redis, never until Redis is back (leases are renewed anyway).
  const redis = createRedis(redisUrl, 'chat-presence', { waitMs: 500 });
  redis.on('error', () => {});
  const key = (userId: string) => `${prefix}chat:presence:${userId}`;
  const leases = new Map<string, string>();
  const renew = setInterval(() => {
    if (!leases.size) return;
    // Every lease of this replica in one pipeline: one write and one reply batch, not two round trips each.
    const until = Date.now() + LEASE_MS;
    const batch = redis.pipeline();
    for (const [lease, userId] of leases) batch.zadd(key(userId), until, lease).pexpire(key(userId), LEASE_MS * 2);
    void batch.exec().catch(() => {});
  }, LEASE_MS / 3);
  renew.unref();
  return {
    hold(userId) {
      const lease = randomUUID();
      leases.set(lease, userId);
      void redis.zadd(key(userId), Date.now() + LEASE_MS, lease).then(() => redis.pexpire(key(userId), LEASE_MS * 2)).catch(() => {});
      return () => {
        if (!leases.delete(lease)) return;
        void redis.zrem(key(userId), lease).catch(() => {});
      };
    },
    async online(userId, trace) {
      // Unknown counts as offline: the recipient gets a notification too many rather than none.
      return redisSpan(trace, 'zcount', () => redis.zcount(key(userId), Date.now(), '+inf')).then(
        (live) => live > 0,
        () => false,
      );
    },
    async close() {
      clearInterval(renew);
      for (const [lease, userId] of leases) await redis.zrem(key(userId), lease).catch(() => {});
      leases.clear();
      redis.disconnect();
    },
  };
}
