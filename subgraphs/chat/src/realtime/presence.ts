// Who is connected: a user with a live chat subscription (on any replica) is online. Each subscription holds
// a lease in a Redis sorted set per user (score = lease expiry), renewed while it lives and removed when it
// ends, so a crashed replica's leases simply run out. Without Redis (embedded start) an in-process count.
// Renewal is spread out: the leases are dealt into SLOTS slots and each tick (a SLOTS-th of the renewal period)
// renews one slot, so a replica with thousands of subscribers never writes and reads back all their leases in one
// go (a burst that held up live messages: the chat bench's tail).
import { randomUUID } from 'node:crypto';
import { createRedis, redisSpan, type TraceContext } from '@clinic/service-kit';

const LEASE_MS = 30_000;
/** Each lease is renewed once per a third of its life; one slot of them per tick. */
const SLOTS = 10;

export interface Presence {
  /** Marks the user online until the returned release is called. */
  hold(userId: string): () => void;
  /** `trace`: the asking request's trace context; a sampled one shows the lookup as a span. */
  online(userId: string, trace?: TraceContext): Promise<boolean>;
  close(): Promise<void>;
}

/** `leaseMs`: tests only (shorter leases, to see renewal happen). */
export function createPresence(redisUrl: string | null, prefix = '', leaseMs = LEASE_MS): Presence {
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
  // Lease id → user id, one map per slot.
  const slots = Array.from({ length: SLOTS }, () => new Map<string, string>());
  const slotOf = new Map<string, Map<string, string>>();
  let dealt = 0;
  let tick = 0;
  const renew = setInterval(() => {
    const slot = slots[tick++ % SLOTS]!;
    if (!slot.size) return;
    // This slot's leases in one pipeline: one write and one reply batch, not two round trips each.
    const until = Date.now() + leaseMs;
    const batch = redis.pipeline();
    for (const [lease, userId] of slot) batch.zadd(key(userId), until, lease).pexpire(key(userId), leaseMs * 2);
    void batch.exec().catch(() => {});
  }, leaseMs / 3 / SLOTS);
  renew.unref();
  return {
    hold(userId) {
      const lease = randomUUID();
      const slot = slots[dealt++ % SLOTS]!;
      slot.set(lease, userId);
      slotOf.set(lease, slot);
      void redis.zadd(key(userId), Date.now() + leaseMs, lease).then(() => redis.pexpire(key(userId), leaseMs * 2)).catch(() => {});
      return () => {
        const held = slotOf.get(lease);
        if (!held) return;
        slotOf.delete(lease);
        held.delete(lease);
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
      for (const slot of slots) {
        for (const [lease, userId] of slot) await redis.zrem(key(userId), lease).catch(() => {});
        slot.clear();
      }
      slotOf.clear();
      redis.disconnect();
    },
  };
}
