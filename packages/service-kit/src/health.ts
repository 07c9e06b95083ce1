// Readiness: the database answers, and Redis answers when one is configured.
import { Redis } from 'ioredis';
import type { MikroORM } from '@mikro-orm/postgresql';

export interface Readiness {
  ok: boolean;
  checks: Record<string, 'ok' | string>;
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function pingRedis(url: string, timeoutMs = 1_000): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null });
  try {
    await withTimeout(client.connect().then(() => client.ping()), timeoutMs);
  } finally {
    client.disconnect();
  }
}

export async function checkReadiness(orm: MikroORM, redisUrl: string | null): Promise<Readiness> {
  const checks: Readiness['checks'] = {};
  try {
    await withTimeout(orm.em.getConnection().execute('select 1'), 2_000);
    checks.database = 'ok';
  } catch (error) {
    checks.database = error instanceof Error ? error.message : 'failed';
  }
  if (redisUrl) {
    try {
      await pingRedis(redisUrl);
      checks.redis = 'ok';
    } catch (error) {
      checks.redis = error instanceof Error ? error.message : 'failed';
    }
  }
  return { ok: Object.values(checks).every((c) => c === 'ok'), checks };
}
