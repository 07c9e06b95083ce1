// Identical subgraph reads in flight at the same time are sent once and the answer shared. "Identical"
// means the same URL, the same body and the same headers that decide what the subgraph may answer (the
// caller's token, the client address the subgraph audits and limits by): two users' identical queries are
// never merged, since each may see different things. Only reads (a `query` body) merge; mutations never.
import { isIdempotentBody } from './replicas.ts';
import type { SubgraphRequestInit, SubgraphResponse } from './subgraph-http.ts';

type Fetcher = (url: string, init?: SubgraphRequestInit) => Promise<SubgraphResponse>;

/** Headers whose value changes what a subgraph answers; anything else (a request id) is not part of the key. */
const RIGHTS_HEADERS = ['authorization', 'x-forwarded-for', 'x-router-secret'];

function headerOf(headers: SubgraphRequestInit['headers'], name: string): string {
  if (!headers) return '';
  if (name in headers) return headers[name]!;
  const found = Object.keys(headers).find((key) => key.toLowerCase() === name);
  return found ? headers[found]! : '';
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
  const inFlight = new Map<string, Promise<SubgraphResponse>>();
  return (url, init) => {
    if (!isIdempotentBody(init?.body)) {
      stats.sent += 1;
      return fetcher(url, init);
    }
    // Newlines cannot occur in a URL or a header value, so the parts cannot run into each other.
    const key = `${url}\n${RIGHTS_HEADERS.map((name) => headerOf(init!.headers, name)).join('\n')}\n${init!.body}`;
    let shared = inFlight.get(key);
    if (shared) stats.merged += 1;
    else {
      stats.sent += 1;
      shared = fetcher(url, init);
      inFlight.set(key, shared);
      const forget = () => inFlight.delete(key);
      shared.then(forget, forget);
    }
    // The answer is fully read and immutable: every caller may read it (each parses its own copy).
    return shared;
  };
}
