// Identical subgraph reads in flight at the same time are sent once and the answer shared. "Identical"
// means the same URL, the same body and the same headers that decide what the subgraph may answer (the
// caller's token, the client address the subgraph audits and limits by): two users' identical queries are
// never merged, since each may see different things. Only reads (a `query` body) merge; mutations never.
import { Response, type RequestInit } from 'node-fetch';
import { isIdempotentBody } from './replicas.ts';

type Fetcher = (url: string, init?: RequestInit) => Promise<Response>;

/** Headers whose value changes what a subgraph answers; anything else (a request id) is not part of the key. */
const RIGHTS_HEADERS = ['authorization', 'x-forwarded-for', 'x-router-secret'];

function headerOf(headers: RequestInit['headers'], name: string): string {
  if (!headers) return '';
  const h = headers as { get?: (n: string) => string | null } & Record<string, unknown>;
  if (typeof h.get === 'function') return h.get(name) ?? '';
  const found = Object.entries(h).find(([key]) => key.toLowerCase() === name);
  return found ? String(found[1]) : '';
}

export interface MergeStats {
  /** Fetches that went upstream. */
  sent: number;
  /** Fetches answered by another identical one in flight. */
  merged: number;
}

/** Counts for the whole process (tests and benches read them). */
export const fetchMergeStats: MergeStats = { sent: 0, merged: 0 };

export function mergeInFlight(fetcher: Fetcher, stats: MergeStats = fetchMergeStats): Fetcher {
  const inFlight = new Map<string, Promise<{ status: number; statusText: string; headers: [string, string][]; body: string }>>();
  return async (url, init) => {
    if (!isIdempotentBody(init?.body)) {
      stats.sent += 1;
      return fetcher(url, init);
    }
    const key = JSON.stringify([url, init!.body, ...RIGHTS_HEADERS.map((name) => headerOf(init!.headers, name))]);
    let shared = inFlight.get(key);
    if (shared) stats.merged += 1;
    else {
      stats.sent += 1;
      shared = (async () => {
        const response = await fetcher(url, init);
        return { status: response.status, statusText: response.statusText, headers: [...response.headers.entries()], body: await response.text() };
      })();
      inFlight.set(key, shared);
      const forget = () => inFlight.delete(key);
      shared.then(forget, forget);
    }
    const answer = await shared;
    // Each caller gets its own Response: a body can be read only once.
    return new Response(answer.body, { status: answer.status, statusText: answer.statusText, headers: answer.headers });
  };
}
