// Real-time events: Redis pub/sub so any replica's event reaches any subscriber; an in-process
// fallback only for the embedded single-process start, and it says so loudly.
import { PubSub, type PubSubEngine } from 'graphql-subscriptions';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis } from 'ioredis';
import type { Logger } from './logger.ts';
import { redisSpan, type TraceContext } from './telemetry.ts';

export interface EventBus {
  pubsub: PubSubEngine;
  close(): Promise<void>;
}

/**
 * `failFast`: commands fail at once while Redis is away instead of queueing (producers that hold a
 * database transaction must not wait on Redis). Subscribers and BullMQ workers keep retrying.
 * `waitMs`: commands wait for the first connection (the start) at most that long; once connected, they fail at
 * once while Redis is away (and a reply waits at most that long): for what a request does after its commit
 * (live events, presence), which must not hold its answer until Redis is back.
 * `autoPipelining`: commands issued in one tick go out in one write (not for BullMQ or subscriber connections).
 */
export function createRedis(url: string, name: string, opts: { failFast?: boolean; waitMs?: number; autoPipelining?: boolean } = {}): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    enableAutoPipelining: opts.autoPipelining ?? false,
    maxRetriesPerRequest: opts.failFast || opts.waitMs !== undefined ? 1 : null,
    enableOfflineQueue: !opts.failFast,
    ...(opts.waitMs !== undefined ? { commandTimeout: opts.waitMs } : {}),
    enableReadyCheck: true,
    lazyConnect: false,
  });
  if (opts.waitMs !== undefined) redis.once('ready', () => (redis.options.enableOfflineQueue = false));
  return redis;
}

/** How long a live event waits for Redis before it is dropped. */
export const LIVE_EVENT_WAIT_MS = 1_000;

/**
 * A live event after a commit, best effort: what was committed is the truth, and a subscriber that missed an
 * event re-reads it (chat's `messages(after:)`). One Redis cannot take now is dropped (false), so the caller's
 * answer is neither held up until Redis is back nor turned into an error for data already stored.
 */
export function publishLive(pubsub: PubSubEngine, trigger: string, payload: unknown, trace?: TraceContext): Promise<boolean> {
  // `trace`: the request's (or job's) trace context; a sampled one makes the publish a span of it.
  return redisSpan(trace, 'publish', () => pubsub.publish(trigger, payload)).then(taken, dropped);
}
const taken = () => true;
const dropped = () => false;

export function createEventBus(redisUrl: string | null, logger: Logger, service: string): EventBus {
  if (!redisUrl) {
    logger.warn('REDIS_URL is not set: using an in-process pub/sub; events will not reach other processes or replicas');
    return { pubsub: new PubSub(), close: async () => {} };
  }
  // A message's announcements (its conversation, each member's list) leave in one write, not one syscall each.
  const publisher = createRedis(redisUrl, `${service}-pub`, { autoPipelining: true, waitMs: LIVE_EVENT_WAIT_MS });
  const subscriber = createRedis(redisUrl, `${service}-sub`);
  const pubsub = new RedisPubSub({ publisher, subscriber });
  return {
    pubsub,
    async close() {
      await pubsub.close();
    },
  };
}
