// Which of these user ids are active accounts? Identity owns the answer; a service that makes someone a party
// to something (chat's participants, the patient of an appointment staff book) asks before it stores the id, so
// a mistyped or made-up id is refused at once instead of becoming a person no one can resolve (every list
// showing them would fail: a non-null User field with no user behind it nulls the whole answer).
import { DomainError } from './errors.ts';
import { ROUTER_SECRET_HEADER } from './router-secret.ts';

/**
 * identity's internal route (router secret; never proxied): `?ids=<uuid>,<uuid>[&role=PATIENT]` → `{ ids }`, the
 * active accounts among them (holding that role, when one is named).
 */
export const ACTIVE_USERS_PATH = '/internal/active-users';
/** At most this many ids per question. */
export const ACTIVE_USERS_MAX = 50;

export interface ActiveUsers {
  /** The active accounts among `ids` (holding `role` if given); throws when identity cannot answer: nothing is stored on a guess. */
  activeAmong(ids: string[], role?: string): Promise<Set<string>>;
}

export function createActiveUsersLookup(opts: { identityUrl: () => string | undefined; routerSecret: string; timeoutMs?: number }): ActiveUsers {
  return {
    async activeAmong(ids, role) {
      if (!ids.length) return new Set();
      const base = opts.identityUrl();
      if (!base) throw new DomainError('SERVICE_UNAVAILABLE', 'Accounts cannot be checked: the identity service is not configured');
      const found = new Set<string>();
      for (let i = 0; i < ids.length; i += ACTIVE_USERS_MAX) {
        const url = new URL(ACTIVE_USERS_PATH, new URL(base).origin);
        url.searchParams.set('ids', ids.slice(i, i + ACTIVE_USERS_MAX).join(','));
        if (role) url.searchParams.set('role', role);
        const answer = await fetch(url, { headers: { [ROUTER_SECRET_HEADER]: opts.routerSecret }, signal: AbortSignal.timeout(opts.timeoutMs ?? 3_000) })
          .then(async (res) => (res.ok ? ((await res.json()) as { ids?: unknown }) : null))
          .catch(() => null); // unreachable, timed out, not JSON: the same answer to the caller
        if (!answer || !Array.isArray(answer.ids)) throw new DomainError('SERVICE_UNAVAILABLE', 'Accounts cannot be checked right now; try again');
        for (const id of answer.ids) if (typeof id === 'string') found.add(id);
      }
      return found;
    },
  };
}

/** Refuses with NOT_FOUND (`extensions.userIds`) any id that is no active account (with `role`, when named). */
export async function requireActiveUsers(accounts: ActiveUsers, ids: string[], role?: string): Promise<void> {
  const active = await accounts.activeAmong(ids, role);
  const unknown = ids.filter((id) => !active.has(id));
  if (!unknown.length) return;
  const who = role ? `active ${role.toLowerCase()} account` : 'active account';
  throw new DomainError('NOT_FOUND', unknown.length === 1 ? `No ${who} has this id` : `No ${who} has these ids`, { userIds: unknown });
}

/** For a service run without identity (its tests, a bench): every id is taken for an active account of any role. */
export const everyIdIsAnAccount: ActiveUsers = { activeAmong: async (ids) => new Set(ids) };
