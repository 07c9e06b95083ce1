// Where a recipient's address, phone and name come from: identity owns them. Asked over HTTP with the router
// secret at send time only (never stored here, never put in a queue payload), cached for a short while.
import { ROUTER_SECRET_HEADER } from '@clinic/service-kit';

export interface Contact {
  email: string | null;
  phone: string | null;
  displayName: string;
}

export interface ContactDirectory {
  contactOf(userId: string): Promise<Contact | null>;
  /** Who holds a staff role (e.g. OPERATOR), active accounts only. */
  staffIds(role: string): Promise<string[]>;
}

export const USER_CONTACT_PATH = '/internal/user-contact';
export const STAFF_IDS_PATH = '/internal/staff-ids';

export function identityContacts(identityUrl: string, routerSecret: string, ttlMs = 30_000): ContactDirectory {
  const origin = new URL(identityUrl).origin;
  const cache = new Map<string, { value: Promise<Contact | null>; expires: number }>();
  return {
    contactOf(userId) {
      const hit = cache.get(userId);
      if (hit && hit.expires > Date.now()) return hit.value;
      const value = (async () => {
        const url = new URL(USER_CONTACT_PATH, origin);
        url.searchParams.set('id', userId);
        const res = await fetch(url, { headers: { [ROUTER_SECRET_HEADER]: routerSecret }, signal: AbortSignal.timeout(3_000) });
        if (res.status === 404) return null;
        if (!res.ok) throw new Error(`identity answered ${res.status} to the contact lookup`);
        return (await res.json()) as Contact;
      })();
      if (cache.size > 5_000) cache.clear();
      cache.set(userId, { value, expires: Date.now() + ttlMs });
      value.catch(() => cache.delete(userId));
      return value;
    },
    async staffIds(role) {
      const url = new URL(STAFF_IDS_PATH, origin);
      url.searchParams.set('role', role);
      const res = await fetch(url, { headers: { [ROUTER_SECRET_HEADER]: routerSecret }, signal: AbortSignal.timeout(3_000) });
      if (!res.ok) throw new Error(`identity answered ${res.status} to the staff lookup`);
      return ((await res.json()) as { ids: string[] }).ids;
    },
  };
}

/** A fixed directory (tests, and the bench's synthetic recipients). */
export function staticContacts(entries: Map<string, Contact>, staff: Map<string, string[]> = new Map()): ContactDirectory {
  return { contactOf: async (userId) => entries.get(userId) ?? null, staffIds: async (role) => staff.get(role) ?? [] };
}
