// Password hashing (argon2id) is the deliberately expensive part of sign-in, partner token exchange and
// password changes. Unbounded, 100 bad sign-ins from one client fill the hashing threads and every other
// user waits 50×. The gate runs at most one hash per client at a time, a few more queued, and refuses the
// rest at once (RATE_LIMITED); clients take turns for the shared slots, so one client's flood never
// delays another's sign-in by more than a hash or two. Callers run it outside database transactions.
import { availableParallelism } from 'node:os';
import { DomainError } from '@clinic/service-kit';

export interface HashGateOptions {
  /** Hashes running at once across all clients (default: the CPU count, at least 2). */
  concurrency?: number;
  /** Hashes a client may have waiting behind its running one before it is refused. */
  queuePerClient?: number;
}

export interface HashGate {
  run<T>(client: string, work: () => Promise<T>): Promise<T>;
}

interface Client {
  running: boolean;
  waiting: (() => void)[];
}

export function createHashGate(opts: HashGateOptions = {}): HashGate {
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

  return {
    run<T>(id: string, work: () => Promise<T>): Promise<T> {
      const client = clients.get(id) ?? { running: false, waiting: [] };
      clients.set(id, client);
      if (client.waiting.length >= queuePerClient) {
        return Promise.reject(new DomainError('RATE_LIMITED', 'Too many sign-in attempts at once; wait a moment and retry'));
      }
      return new Promise<T>((resolve, reject) => {
        client.waiting.push(() => {
          // A synchronous throw in `work` must free the slot too.
          new Promise<T>((r) => r(work())).then(resolve, reject).finally(() => finished(id));
        });
        if (!client.running) turns.add(id);
        pump();
      });
    },
  };
}
