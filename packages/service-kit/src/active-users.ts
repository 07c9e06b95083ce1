// Which of these user ids are active accounts? Identity owns the answer; a service that makes someone a party
// to something (chat's participants) asks before it stores the id, so a mistyped or made-up id is refused at
// once instead of becoming a member no one can resolve (every list showing that member would fail).
import { DomainError } from './errors.ts';
import { ROUTER_SECRET_HEADER } from './router-secret.ts';

/** identity's internal route (router secret; never proxied): `?ids=<uuid>,<uuid>` → `{ ids: [the active ones] }`. */
export const ACTIVE_USERS_PATH = '/internal/active-users';
/** At most this many ids per question. */
export const ACTIVE_USERS_MAX = 50;

export interface ActiveUsers {
  /** The active accounts among `ids` (throws when identity cannot answer: nothing may be stored on a guess). */
  activeAmong(ids: string[]): Promise<Set<string>>;
}

export function createActiveUsersLookup(opts: { identityUrl: () => string | undefined; routerSecret: string; timeoutMs?: number }): ActiveUsers {
  return {
    async activeAmong(ids) {
      if (!ids.length) return new Set();
      const base = opts.identityUrl();
      if (!base) throw new DomainError('SERVICE_UNAVAILABLE', 'Accounts cannot be checked: the identity service is not configured');
      const found = new Set<string>();
      for (let i = 0; i < ids.length; i += ACTIVE_USERS_MAX) {
        const url = new URL(ACTIVE_USERS_PATH, new URL(base).origin);
        url.searchParams.set('ids', ids.slice(i, i + ACTIVE_USERS_MAX).join(','));
        const res = await fetch(url, { headers: { [ROUTER_SECRET_HEADER]: opts.routerSecret }, signal: AbortSignal.timeout(opts.timeoutMs ?? 3_000) });
        if (!res.ok) throw new DomainError('SERVICE_UNAVAILABLE', 'Accounts cannot be checked right now; try again');
        for (const id of ((await res.json()) as { ids: string[] }).ids) found.add(id);
      }
      return found;
    },
  };
}
