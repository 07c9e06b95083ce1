// Balancing over a subgraph's replicas (SUBGRAPH_<NAME>_URL="http://a:4001/graphql,http://b:4001/graphql"):
// round robin over the healthy ones; a replica that fails at the transport level (refused, reset, 502/503/504)
// is ejected for a while and then given one trial request (half-open). An idempotent fetch — a query, or any
// operation whose connection was refused before a byte was sent — is retried once per other replica.
// With one URL this is a plain pass-through. (DNS: point the single URL at a Kubernetes Service instead.)

export interface ReplicaPoolOptions {
  /** How long a failing replica is left out before it gets a trial request. */
  ejectMs?: number;
  now?: () => number;
}

interface Replica {
  url: string;
  ejectedUntil: number;
  failures: number;
}

export class ReplicaPool {
  private readonly replicas: Replica[];
  private next = 0;
  private readonly ejectMs: number;
  private readonly now: () => number;

  constructor(urls: string[], opts: ReplicaPoolOptions = {}) {
    if (!urls.length) throw new Error('a replica pool needs at least one URL');
    this.replicas = urls.map((url) => ({ url, ejectedUntil: 0, failures: 0 }));
    this.ejectMs = opts.ejectMs ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.replicas.length;
  }

  /** Replicas to try in order: healthy ones round robin first, then ejected ones (soonest back first) as a last resort. */
  order(): string[] {
    const now = this.now();
    const start = this.next++ % this.replicas.length;
    const rotated = [...this.replicas.slice(start), ...this.replicas.slice(0, start)];
    const healthy = rotated.filter((r) => r.ejectedUntil <= now);
    const ejected = rotated.filter((r) => r.ejectedUntil > now).sort((a, b) => a.ejectedUntil - b.ejectedUntil);
    return [...healthy, ...ejected].map((r) => r.url);
  }

  succeeded(url: string): void {
    const replica = this.replicas.find((r) => r.url === url);
    if (replica) {
      replica.failures = 0;
      replica.ejectedUntil = 0;
    }
  }

  /** Ejects the replica; repeated failures keep it out longer (up to 8× ejectMs). */
  failed(url: string): void {
    const replica = this.replicas.find((r) => r.url === url);
    if (!replica) return;
    replica.failures += 1;
    replica.ejectedUntil = this.now() + this.ejectMs * Math.min(8, 2 ** (replica.failures - 1));
  }

  /** For /ready and tests: which replicas are ejected now. */
  ejected(): string[] {
    const now = this.now();
    return this.replicas.filter((r) => r.ejectedUntil > now).map((r) => r.url);
  }
}

const GATEWAY_BODY_START = '{"query":"';

/** Whether a subgraph request body is a query (safe to send again) rather than a mutation. */
export function isIdempotentBody(body: unknown): boolean {
  if (typeof body !== 'string') return false;
  // The gateway's own bodies start with the query (JSON.stringify keeps the key order): read its first
  // word there instead of parsing the whole body twice per subgraph call.
  if (body.startsWith(GATEWAY_BODY_START)) return /^(?:\s|\\[nrt])*(query\b|\{)/.test(body.slice(GATEWAY_BODY_START.length));
  try {
    const query = (JSON.parse(body) as { query?: unknown }).query;
    return typeof query === 'string' && /^\s*(query\b|\{)/.test(query);
  } catch {
    return false;
  }
}

/** Transport failures that mean "this replica", not "this request": the connection never got an answer. */
export function connectionNeverSent(error: unknown): boolean {
  const code = (error as { code?: string; errno?: string } | null)?.code ?? (error as { errno?: string } | null)?.errno;
  return code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}

export const REPLICA_DOWN_STATUSES = new Set([502, 503, 504]);
