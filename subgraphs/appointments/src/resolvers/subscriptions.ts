// Live updates through the kit's pub/sub (Redis): the outbox relay publishes each appointment change on
// per-user and per-doctor triggers; a move announces its freed old time as well as the new one. Who may listen is checked on subscribe, and every event is checked
// again against the subscriber before it is sent (a patient only ever receives their own).
import { withFilter } from 'graphql-subscriptions';
import { badUserInput, requireUser, requireUserOrScope } from '@clinic/service-kit';
import type { SubscriptionResolvers } from '../generated/resolvers-types.ts';
import type { AppointmentChangePayload } from '../booking/record.ts';
import { LIVE_STATUSES } from '../booking/lifecycle.ts';
import { isUuid } from '../actor.ts';
import { WaitlistEntrySchema } from '../entities/waitlist.ts';
import type { SlotChangeView } from './views.ts';
import type { AppointmentsContext } from '../context.ts';

export const slotTrigger = (doctorId: string) => `appointments.slots.${doctorId}`;
export const statusTrigger = (userId: string) => `appointments.status.${userId}`;
export const waitlistTrigger = (patientId: string) => `appointments.waitlist.${patientId}`;

/** What the outbox publishes for every waiting-list change. */
export interface WaitlistChangePayload {
  entryId: string;
  patientId: string;
  doctorId: string;
}

/**
 * What one appointment change means for the doctor's free time: its time taken or freed, and for a move
 * of a live appointment first its old time freed (then the new one taken, so overlapping windows end taken).
 */
export function slotChangesOf(payload: AppointmentChangePayload): SlotChangeView[] {
  const now: SlotChangeView = { doctorId: payload.doctorId, startsAt: payload.startsAt, endsAt: payload.endsAt, available: !LIVE_STATUSES.includes(payload.status) };
  const moved = payload.previousStartsAt && payload.previousEndsAt && payload.previousStatus && LIVE_STATUSES.includes(payload.previousStatus);
  if (!moved) return [now];
  return [{ doctorId: payload.doctorId, startsAt: payload.previousStartsAt!, endsAt: payload.previousEndsAt!, available: true }, now];
}

/**
 * One published change's slot changes, made once for all its subscribers: every subscriber of the doctor then
 * receives the same objects, and the kit executes them once for all (its shared-execution.ts: these fields
 * read nothing of the caller).
 */
const slotChangesByPayload = new WeakMap<AppointmentChangePayload, SlotChangeView[]>();
export function sharedSlotChangesOf(payload: AppointmentChangePayload): SlotChangeView[] {
  let changes = slotChangesByPayload.get(payload);
  if (!changes) slotChangesByPayload.set(payload, (changes = slotChangesOf(payload)));
  return changes;
}

/** Maps each event of `source` to zero or more events; closing it closes the source at once (no pending read holds it open). */
function flatMapIterator<T, U>(source: AsyncIterator<T>, map: (value: T) => U[]): AsyncIterableIterator<U> {
  const ready: U[] = [];
  const done = { done: true, value: undefined } as IteratorReturnResult<undefined>;
  return {
    async next() {
      while (!ready.length) {
        const result = await source.next();
        if (result.done) return done;
        ready.push(...map(result.value));
      }
      return { done: false, value: ready.shift()! };
    },
    async return() {
      ready.length = 0;
      await source.return?.();
      return done;
    },
    async throw(error?: unknown) {
      ready.length = 0;
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

export const subscriptionResolvers: SubscriptionResolvers = {
  slotAvailabilityChanged: {
    subscribe: (_p, args, ctx) => {
      requireUserOrScope(ctx.viewer, 'availability:read');
      if (!isUuid(args.doctorId)) throw badUserInput('doctorId must be a UUID');
      const events = ctx.pubsub.asyncIterator<AppointmentChangePayload>(slotTrigger(args.doctorId));
      return flatMapIterator(events, sharedSlotChangesOf) as unknown as AsyncIterable<never>;
    },
    resolve: (change: SlotChangeView) => change,
  },
  myAppointmentStatusChanged: {
    subscribe: (parent, args, ctx, info) => {
      const user = requireUser(ctx.viewer);
      const filtered = withFilter(
        () => ctx.pubsub.asyncIterator<AppointmentChangePayload>(statusTrigger(user.userId)),
        (payload: AppointmentChangePayload | undefined) => !!payload && (payload.patientId === user.userId || payload.doctorId === user.userId),
      );
      return filtered(parent, args, ctx, info) as unknown as AsyncIterable<never>;
    },
    resolve: (payload: AppointmentChangePayload) => payload,
  },
  myWaitlistChanged: {
    subscribe: (parent, args, ctx, info) => {
      const user = requireUser(ctx.viewer);
      const filtered = withFilter(
        () => ctx.pubsub.asyncIterator<WaitlistChangePayload>(waitlistTrigger(user.userId)),
        (payload: WaitlistChangePayload | undefined) => !!payload && payload.patientId === user.userId,
      );
      return filtered(parent, args, ctx, info) as unknown as AsyncIterable<never>;
    },
    // The entry as it is now (several changes may have happened since the event); a subscription's
    // context outlives its loaders, so read it fresh, and only the patient's own.
    resolve: async (payload: WaitlistChangePayload, _args: unknown, ctx: AppointmentsContext) => {
      const user = requireUser(ctx.viewer);
      return ctx.em.fork().findOneOrFail(WaitlistEntrySchema, { id: payload.entryId, patientId: user.userId });
    },
  },
};

