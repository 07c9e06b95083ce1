// What every resolver of the appointments subgraph receives: the kit's request context plus the
// clinic policy/clock, the acting viewer for audit, and per-request DataLoaders (no N+1).
import type { ActiveUsers, RequestContext } from '@clinic/service-kit';
import type { Clinic } from './policy.ts';
import type { Actor } from './actor.ts';
import type { Loaders } from './resolvers/loaders.ts';
import type { AvailabilityCache } from './availability/day-cache.ts';
import type { PendingAnswer } from './availability/answer-cache.ts';

export interface AppointmentsContext extends RequestContext {
  clinic: Clinic;
  /** Identity's answer to "is this an active patient account?" (staff booking for someone). */
  accounts: ActiveUsers;
  /** Expanded availability shared by every replica; null when off or without Redis. */
  availability: AvailabilityCache | null;
  actor: Actor;
  loaders: Loaders;
  /** Set when the answer cache missed a slot search: the doctors it read, and how long the answer holds. */
  pendingAnswer?: PendingAnswer;
}
export type Context = AppointmentsContext;
