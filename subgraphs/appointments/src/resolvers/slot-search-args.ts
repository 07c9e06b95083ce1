// A slot search as the API asks for it, checked and turned into the domain's search: one place for the
// resolver and for the answer cache, which must refuse and key exactly what the resolver would.
import { badUserInput, hasRole, requireUserOrScope, type Viewer } from '@clinic/service-kit';
import type { SlotSearchInput } from '../generated/resolvers-types.ts';
import type { SlotPageRequest, SlotSearch } from '../schedules/slot-search.ts';
import type { Slot } from '../schedules/free-slots.ts';
import { isStaff, isUuid } from '../actor.ts';
import { afterCursor, checkedZone, parseCursor } from './views.ts';

export interface SlotSearchRequest {
  search: SlotSearch;
  page: SlotPageRequest;
  first: number;
  /** The viewer's zone, for local times. */
  zone: string;
}

const short = (value: string | null | undefined, name: string, max = 80) => {
  if (value != null && value.length > max) throw badUserInput(`${name} has at most ${max} characters`);
  return value ?? null;
};

/** Throws the API's errors (FORBIDDEN, BAD_USER_INPUT) for a caller or input the search refuses. */
export function slotSearchRequest(input: SlotSearchInput, viewer: Viewer): SlotSearchRequest {
  requireUserOrScope(viewer, 'availability:read');
  const zone = checkedZone(input.timeZone);
  const first = input.first ?? 50;
  if (!Number.isInteger(first) || first < 1 || first > 200) throw badUserInput('first must be 1–200');
  if (input.doctorIds && (input.doctorIds.length > 200 || !input.doctorIds.every(isUuid))) throw badUserInput('doctorIds must be at most 200 UUIDs');
  const cursor = input.after ? parseCursor(input.after) : null;
  const page = { limit: first, after: cursor ? (s: Slot) => afterCursor(s, cursor) : undefined, afterStart: cursor?.[0] };
  const search: SlotSearch = {
    doctorIds: input.doctorIds ?? null,
    specialisation: short(input.specialisation, 'specialisation'),
    language: short(input.language, 'language'),
    text: short(input.text, 'text'),
    consultationType: short(input.consultationType, 'consultationType'),
    from: input.from,
    to: input.to,
    // The only thing about the caller that changes the answer: staff and doctors see emergency slots.
    includeEmergency: isStaff(viewer) || hasRole(viewer, 'DOCTOR'),
  };
  return { search, page, first, zone };
}
