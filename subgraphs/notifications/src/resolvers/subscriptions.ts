// notificationReceived: the recipient's own in-app notifications, live. The trigger is per user, and every
// event is checked against the subscriber again before it is sent.
import { withFilter } from 'graphql-subscriptions';
import { requireUser } from '@clinic/service-kit';
import type { SubscriptionResolvers } from '../generated/resolvers-types.ts';
import type { Notification } from '../entities/index.ts';
import { userTrigger } from '../delivery/messages.ts';

export const subscriptionResolvers: SubscriptionResolvers = {
  notificationReceived: {
    subscribe: (parent, args, ctx, info) => {
      const me = requireUser(ctx.viewer);
      const filtered = withFilter(
        () => ctx.pubsub.asyncIterator<{ notificationReceived: Notification }>(userTrigger(me.userId)),
        (payload: { notificationReceived: Notification } | undefined) => payload?.notificationReceived.userId === me.userId,
      );
      return filtered(parent, args, ctx, info) as unknown as AsyncIterable<never>;
    },
  },
};
