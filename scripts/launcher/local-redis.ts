// Finds a Redis for the embedded start: the one on localhost:6379, else a redis-server we start
// (no persistence), else null (the services fall back to in-process pub/sub and queues).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { pingRedis, type Logger } from '@clinic/service-kit';
import { freePort } from './ports.ts';

export interface LocalRedis {
  url: string | null;
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  try {
    await pingRedis(url, 500);
    return true;
  } catch {
    return false;
  }
}

export async function findOrStartRedis(logger: Logger): Promise<LocalRedis> {
  const standard = 'redis://127.0.0.1:6379';
  if (await answers(standard)) {
    logger.info({ redis: standard }, 'using the Redis on localhost');
    return { url: standard, stop: async () => {} };
  }
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0) {
    const port = await freePort();
    const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    const url = `redis://127.0.0.1:${port}`;
    for (let i = 0; i < 50; i++) {
      if (await answers(url)) {
        logger.info({ redis: url }, 'started a local redis-server');
        return {
          url,
          stop: async () => {
            child.kill('SIGTERM');
          },
        };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
  }
  logger.warn(
    '!!! No Redis found or startable: using IN-PROCESS pub/sub and queues. Live updates and queued work stay inside this process; set REDIS_URL for a real run. !!!',
  );
  return { url: null, stop: async () => {} };
}
