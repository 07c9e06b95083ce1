// Real-time events: Redis pub/sub so any replica's event reaches any subscriber; an in-process
// fallback only for the embedded single-process start, and it says so loudly.
import { PubSub, type PubSubEngine } from 'graphql-subscriptions';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis } from 'ioredis';
import type { Logger } from './logger.ts';

export interface EventBus {
  pubsub: PubSubEngine;
  close(): Promise<void>;
}

/**
 * `failFast`: commands fail at once while Redis is away instead of queueing (producers that hold a
 * database transaction must not wait on Redis). Subscribers and BullMQ workers keep retrying.
 * `autoPipelining`: commands issued in one tick go out in one write (not for BullMQ or subscriber connections).
 */
export function createRedis(url: string, name: string, opts: { failFast?: boolean; autoPipelining?: boolean } = {}): Redis {
  return new Redis(url, {
    connectionName: name,
    enableAutoPipelining: opts.autoPipelining ?? false,
    maxRetriesPerRequest: opts.failFast ? 1 : null,
    enableOfflineQueue: !opts.failFast,
    enableReadyCheck: true,
    lazyConnect: false,
  });
}

export function createEventBus(redisUrl: string | null, logger: Logger, service: string): EventBus {
  if (!redisUrl) {
    logger.warn('REDIS_URL is not set: using an in-process pub/sub; events will not reach other processes or replicas');
    return { pubsub: new PubSub(), close: async () => {} };
  }
  // A message's announcements (its conversation, each member's list) leave in one write, not one syscall each.
  const publisher = createRedis(redisUrl, `${service}-pub`, { autoPipelining: true });
  const subscriber = createRedis(redisUrl, `${service}-sub`);
  const pubsub = new RedisPubSub({ publisher, subscriber });
  return {
    pubsub,
    async close() {
      await pubsub.close();
    },
  };
}
