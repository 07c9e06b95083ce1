// Password hashing (argon2id) is the deliberately expensive part of sign-in, partner token exchange and
// password changes. Unbounded, 100 bad sign-ins from one client fill the hashing threads and every other
// user waits 50×. The gate runs at most one hash per client at a time, a few more queued, and refuses the
// rest at once (RATE_LIMITED); clients take turns for the shared slots, so one client's flood never
// delays another's sign-in by more than a hash or two. Callers run it outside database transactions.
//
// With Redis the per-client bound holds across the cluster: a client's hashes in flight (running or
// queued, on any identity replica) are counted in a Redis sorted set (a semaphore with leases, so a crashed
// replica's entries expire), and beyond the bound every replica refuses at once. When Redis is unreachable
// each replica falls back to its own bound (availability over a brief over-allowance), and says so.
import { availableParallelism } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { DomainError, redisSpan, type Logger, type TraceContext } from '@clinic/service-kit';

export interface HashGateOptions {
  /** Hashes running at once across all clients (default: the CPU count, at least 2). */
  concurrency?: number;
  /** Hashes a client may have waiting behind its running one before it is refused. */
  queuePerClient?: number;
}

export interface HashGate {
  /** `trace`: the request's trace context (traceOfEntityManager): a sampled one shows the gate's Redis calls. */
  run<T>(client: string, work: () => Promise<T>, trace?: TraceContext): Promise<T>;
  close(): Promise<void>;
}

export interface ClusterHashGateOptions extends HashGateOptions {
  redisUrl: string | null;
  /** Keeps separate stacks on one Redis apart (QUEUE_PREFIX). */
  keyPrefix?: string;
  /** How long an entry counts if its replica never removes it (crashed mid-hash). */
  leaseMs?: number;
  logger?: Logger;
}

const rateLimited = () => new DomainError('RATE_LIMITED', 'Too many sign-in attempts at once; wait a moment and retry');

interface Client {
  running: boolean;
  waiting: (() => void)[];
}

export function createHashGate(opts: HashGateOptions = {}): HashGate {
  return { run: createLocalGate(opts), close: async () => {} };
}

function createLocalGate(opts: HashGateOptions): HashGate['run'] {
  const concurrency = opts.concurrency ?? Math.max(2, availableParallelism());
  const queuePerClient = opts.queuePerClient ?? 4;
  const clients = new Map<string, Client>();
  /** Clients with work waiting and none running, in turn order. */
  const turns = new Set<string>();
  let running = 0;

  const pump = () => {
    for (const id of turns) {
      if (running >= concurrency) return;
      turns.delete(id);
      const client = clients.get(id);
      const start = client?.waiting.shift();
      if (!client || !start) continue;
      client.running = true;
      running += 1;
      start();
    }
  };
  const finished = (id: string) => {
    running -= 1;
    const client = clients.get(id)!;
    client.running = false;
    if (client.waiting.length) turns.add(id);
    else clients.delete(id);
    pump();
  };

  return function run<T>(id: string, work: () => Promise<T>): Promise<T> {
    const client = clients.get(id) ?? { running: false, waiting: [] };
    clients.set(id, client);
    if (client.waiting.length >= queuePerClient) return Promise.reject(rateLimited());
    return new Promise<T>((resolve, reject) => {
      client.waiting.push(() => {
        // A synchronous throw in `work` must free the slot too.
        new Promise<T>((r) => r(work())).then(resolve, reject).finally(() => finished(id));
      });
      if (!client.running) turns.add(id);
      pump();
    });
  };
}

/** Takes a slot if the client has fewer than `cap` in flight; drops entries whose lease ran out first. */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/** The per-client bound shared by every replica through Redis, over the local gate (see the top of the file). */
export function createClusterHashGate(opts: ClusterHashGateOptions): HashGate {
  const local = createLocalGate(opts);
  if (!opts.redisUrl) return { run: local, close: async () => {} };
  const perClient = 1 + (opts.queuePerClient ?? 4);
  const leaseMs = opts.leaseMs ?? 60_000;
  // Fail fast: a hash must not wait for Redis; without it the local bound applies.
  const redis = new Redis(opts.redisUrl, { connectionName: 'identity-hash-gate', maxRetriesPerRequest: 1, commandTimeout: 500, enableOfflineQueue: false });
  redis.on('error', () => {});
  // Just started: the first hashes wait (briefly) for the connection instead of falling back at once.
  const connected = new Promise<void>((resolve) => {
    redis.once('ready', () => resolve());
    setTimeout(resolve, 2_000).unref();
  });
  let warnedAt = 0;
  const keyOf = (client: string) => `${opts.keyPrefix ?? ''}hashgate:${client}`;

  /** true: a slot is held; false: the client is over its bound; null: Redis unreachable. */
  async function acquire(key: string, member: string, trace: TraceContext | undefined): Promise<boolean | null> {
    try {
      await connected;
      return (await redisSpan(trace, 'eval', () => redis.eval(ACQUIRE, 1, key, Date.now(), leaseMs, perClient, member))) === 1;
    } catch (error) {
      if (Date.now() - warnedAt > 10_000) {
        warnedAt = Date.now();
        opts.logger?.warn({ err: error }, 'hash gate: Redis unreachable; bounding password-hash work per replica only');
      }
      return null;
    }
  }

  return {
    async run<T>(client: string, work: () => Promise<T>, trace?: TraceContext): Promise<T> {
      const key = keyOf(client);
      const member = randomUUID();
      const held = await acquire(key, member, trace);
      if (held === false) throw rateLimited();
      try {
        return await local(client, work);
      } finally {
        if (held) await redisSpan(trace, 'zrem', () => redis.zrem(key, member)).catch(() => {});
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}
