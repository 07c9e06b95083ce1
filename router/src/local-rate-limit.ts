// Per-client rate limits without a Redis round trip on the request path: each router keeps a local count
// per client and decides at once; every `syncMs` it adds what it let through to the shared count in Redis
// (one script call for all active clients) and adopts the total, so all replicas share one budget per window. Between
// two synchronisations a client can exceed its budget by what the other replicas let through in that
// moment — a few requests, traded for no I/O before the query. When Redis is away the limits hold per
// router, as the insurance limiter did before.
import type { Redis } from 'ioredis';
import type { ClientRateLimiter, RateLimitDecision } from './rate-limit.ts';

interface Budget {
  /** Used in this window as Redis last said (ours included). */
  used: number;
  /** Let through here since the last synchronisation. */
  pending: number;
  resetAt: number;
}

export interface SyncedRateLimiter extends ClientRateLimiter {
  /** Pushes local counts to Redis now (also runs by itself every syncMs). */
  sync(): Promise<void>;
  close(): void;
}

/**
 * One synchronisation in one command, whatever the number of active clients (a MULTI of three commands per
 * client cost the router more CPU than the requests it counted): per key, start the window if none is
 * running, add what was let through here, and answer the total and the time left.
 */
const SYNC_SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  redis.call('SET', key, 0, 'PX', ARGV[1], 'NX')
  out[#out + 1] = redis.call('INCRBY', key, ARGV[i + 1])
  out[#out + 1] = redis.call('PTTL', key)
end
return out`;

export function createSyncedRateLimiter(opts: {
  points: number;
  windowSeconds: number;
  redis: Redis | null;
  keyPrefix?: string;
  syncMs?: number;
  now?: () => number;
}): SyncedRateLimiter {
  const windowMs = opts.windowSeconds * 1000;
  const prefix = opts.keyPrefix ?? 'router:rl:synced';
  const now = opts.now ?? Date.now;
  const budgets = new Map<string, Budget>();
  let timer: NodeJS.Timeout | null = null;
  let syncing: Promise<void> | null = null;

  const sync = async (): Promise<void> => {
    timer = null;
    const at = now();
    const batch = [...budgets].filter(([key, b]) => {
      if (at >= b.resetAt && b.pending === 0) budgets.delete(key);
      return b.pending > 0;
    });
    if (!batch.length || !opts.redis) {
      for (const [, b] of batch) {
        b.used += b.pending;
        b.pending = 0;
      }
      return;
    }
    const sent = batch.map(([, b]) => b.pending);
    try {
      const keys = batch.map(([key]) => `${prefix}:${key}`);
      const results = ((await opts.redis.eval(SYNC_SCRIPT, keys.length, ...keys, windowMs, ...sent)) ?? []) as unknown[];
      batch.forEach(([, b], i) => {
        const total = Number(results[i * 2]);
        const ttl = Number(results[i * 2 + 1]);
        b.pending -= sent[i]!;
        b.used = Number.isFinite(total) ? total : b.used + sent[i]!;
        if (Number.isFinite(ttl) && ttl > 0) b.resetAt = at + ttl;
      });
    } catch {
      // Redis away: what was let through still counts here.
      batch.forEach(([, b], i) => {
        b.pending -= sent[i]!;
        b.used += sent[i]!;
      });
    }
  };

  const schedule = () => {
    timer ??= setTimeout(() => {
      syncing = sync().finally(() => (syncing = null));
    }, opts.syncMs ?? 100).unref();
  };

  return {
    async consume(clientKey: string): Promise<RateLimitDecision> {
      const at = now();
      let budget = budgets.get(clientKey);
      if (!budget || at >= budget.resetAt) budgets.set(clientKey, (budget = { used: 0, pending: 0, resetAt: at + windowMs }));
      if (budget.used + budget.pending >= opts.points) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((budget.resetAt - at) / 1000)) };
      budget.pending += 1;
      schedule();
      return { allowed: true, retryAfterSeconds: 0 };
    },
    async sync() {
      if (timer) clearTimeout(timer);
      await syncing;
      await sync();
    },
    close() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
