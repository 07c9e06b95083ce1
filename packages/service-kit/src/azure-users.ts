// Which local user is this Azure AD account? Identity owns the answer (its users table maps tenant id +
// object id to a user and roles); the router and other services ask it over HTTP, with the router secret,
// and cache the answer briefly so a burst of requests with one token costs one lookup.
import type { AzureUserResolver } from './auth.ts';
import { ROUTER_SECRET_HEADER } from './router-secret.ts';

export const AZURE_USER_PATH = '/internal/azure-user';

export interface AzureUserLookupOptions {
  /** identity's URL (its /graphql URL or its origin). */
  identityUrl: string;
  routerSecret: string;
  /** How long an answer is reused (a role change reaches Azure AD sign-ins within this time). */
  ttlMs?: number;
  timeoutMs?: number;
  maxEntries?: number;
}

type Answer = Awaited<ReturnType<AzureUserResolver>>;

export function createAzureUserLookup(opts: AzureUserLookupOptions): AzureUserResolver & { clear(): void } {
  const origin = new URL(opts.identityUrl).origin;
  const ttl = opts.ttlMs ?? 30_000;
  const max = opts.maxEntries ?? 10_000;
  const cache = new Map<string, { answer: Promise<Answer>; expires: number }>();

  const lookup = async (tenantId: string, objectId: string): Promise<Answer> => {
    const url = new URL(AZURE_USER_PATH, origin);
    url.searchParams.set('tid', tenantId);
    url.searchParams.set('oid', objectId);
    const res = await fetch(url, { headers: { [ROUTER_SECRET_HEADER]: opts.routerSecret }, signal: AbortSignal.timeout(opts.timeoutMs ?? 3_000) });
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`identity answered ${res.status} to the Azure AD user lookup`);
    const body = (await res.json()) as { userId: string; roles: string[]; permissions: string[] };
    return { userId: body.userId, roles: body.roles, permissions: body.permissions };
  };

  const resolve = (async (tenantId: string, objectId: string) => {
    const key = `${tenantId}/${objectId}`;
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && hit.expires > now) return hit.answer;
    if (cache.size >= max) cache.delete(cache.keys().next().value as string);
    const answer = lookup(tenantId, objectId);
    cache.set(key, { answer, expires: now + ttl });
    // A failed lookup is not remembered: the next request asks again.
    answer.catch(() => cache.delete(key));
    return answer;
  }) as AzureUserResolver & { clear(): void };
  resolve.clear = () => cache.clear();
  return resolve;
}
