// Live updates through the kit's pub/sub (Redis): the outbox relay publishes each appointment change on
// per-user and per-doctor triggers. Who may listen is checked on subscribe, and every event is checked
// again against the subscriber before it is sent (a patient only ever receives their own).
import { withFilter } from 'graphql-subscriptions';
import { badUserInput, requireUser, requireUserOrScope } from '@clinic/service-kit';
import type { SubscriptionResolvers } from '../generated/resolvers-types.ts';
import type { AppointmentChangePayload } from '../booking/record.ts';
import { LIVE_STATUSES } from '../booking/lifecycle.ts';
import { isUuid } from '../actor.ts';

export const slotTrigger = (doctorId: string) => `appointments.slots.${doctorId}`;
export const statusTrigger = (userId: string) => `appointments.status.${userId}`;

export const subscriptionResolvers: SubscriptionResolvers = {
  slotAvailabilityChanged: {
    subscribe: (_p, args, ctx) => {
      requireUserOrScope(ctx.viewer, 'availability:read');
      if (!isUuid(args.doctorId)) throw badUserInput('doctorId must be a UUID');
      return ctx.pubsub.asyncIterator<AppointmentChangePayload>(slotTrigger(args.doctorId)) as unknown as AsyncIterable<never>;
    },
    resolve: (payload: AppointmentChangePayload) => ({
      doctorId: payload.doctorId,
      startsAt: payload.startsAt,
      endsAt: payload.endsAt,
      available: !LIVE_STATUSES.includes(payload.status),
    }),
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
};

