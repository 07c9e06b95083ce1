// Per-client rate limiting at the edge, shared by every router replica through Redis.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';

export interface RateLimitDecision {
  allowed: boolean;
  retryAfterSeconds: number;
}

export interface ClientRateLimiter {
  consume(clientKey: string): Promise<RateLimitDecision>;
}

/** `keyPrefix` separates budgets kept in the same Redis (GraphQL, /auth/*, POST /auth/token). */
export function createRateLimiter(opts: { points: number; windowSeconds: number; redis: Redis | null; keyPrefix?: string }): ClientRateLimiter {
  const limiter: RateLimiterAbstract = opts.redis
    ? new RateLimiterRedis({
        storeClient: opts.redis,
        keyPrefix: opts.keyPrefix ?? 'router:rl',
        points: opts.points,
        duration: opts.windowSeconds,
        // If Redis is briefly away, fall back to per-process limits rather than failing every request.
        insuranceLimiter: new RateLimiterMemory({ points: opts.points, duration: opts.windowSeconds }),
      })
    : new RateLimiterMemory({ points: opts.points, duration: opts.windowSeconds });
  return {
    async consume(clientKey) {
      try {
        await limiter.consume(clientKey, 1);
        return { allowed: true, retryAfterSeconds: 0 };
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
        }
        throw rejection;
      }
    },
  };
}
