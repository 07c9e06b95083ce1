// Live chat through the router's single endpoint. Who may listen is checked on subscribe, and every event is
// checked again against the subscriber's current membership before it is sent, so a removed participant
// stops receiving at once. A live messageAdded or conversationUpdated subscription marks its user online
// (presence), which decides whether a new message also raises a notification event.
import { subscribeTopic } from '@clinic/service-kit';
import type { SubscriptionResolvers } from '../generated/resolvers-types.ts';
import type { ChatContext } from '../context.ts';
import { actorFrom, type Actor } from '../actor.ts';
import { mayListen, requireParticipant } from '../conversations/access.ts';
import type { ConversationView, MessageView } from '../entities/rows.ts';
import {
  messageTrigger,
  receiptTrigger,
  typingTrigger,
  userTrigger,
  type ConversationEvent,
  type MessageEvent,
  type ReceiptPayload,
  type TypingPayload,
} from '../realtime/triggers.ts';

const actor = (ctx: ChatContext) => actorFrom(ctx.viewer, ctx.requestId, ctx.ip);

/** The conversation if the subscriber may still see it, else undefined (the event is skipped). */
async function stillIn(ctx: ChatContext, who: Actor, conversationId: string): Promise<ConversationView | undefined> {
  ctx.loaders.participants.clearAll();
  ctx.loaders.appointmentConversation.clearAll();
  return requireParticipant(ctx.em.fork(), who, conversationId).catch(() => undefined);
}

/** A new message for this subscriber if they may still see the conversation (one shared read per event). */
async function newMessageFor(ctx: ChatContext, who: Actor, event: MessageEvent): Promise<MessageView | undefined> {
  ctx.loaders.participants.clearAll();
  ctx.loaders.appointmentConversation.clearAll();
  const loaded = await ctx.chat.messageEvents.load(() => ctx.em.fork(), event);
  return loaded && mayListen(who, loaded.kind, loaded.memberIds) ? loaded.message : undefined;
}

/** A subscription on a conversation's topic, for participants only, optionally holding presence. */
async function conversationStream<TPayload extends { conversationId: string }, TEvent>(
  ctx: ChatContext,
  conversationId: string,
  trigger: (id: string) => string,
  select: (payload: TPayload, who: Actor) => Promise<TEvent | undefined> | TEvent | undefined,
  holdPresence: boolean,
  /** The select checks membership itself (from what it reads anyway). */
  selectChecksAccess = false,
) {
  const who = actor(ctx);
  const conv = await requireParticipant(ctx.em, who, conversationId);
  // The conversation's key, for the messages its live events carry (even the first one sent through another replica).
  ctx.chat.messageEvents.rememberKey(conv.id, conv.wrappedKey);
  const queue = await subscribeTopic<TPayload, TEvent>(ctx.pubsub, trigger(conv.id), async (payload) =>
    payload.conversationId === conv.id && (selectChecksAccess || (await stillIn(ctx, who, conv.id))) ? select(payload, who) : undefined,
  );
  if (holdPresence) queue.onClosed(ctx.chat.presence.hold(who.user.userId));
  return queue as unknown as AsyncIterable<never>;
}

export const subscriptionResolvers: SubscriptionResolvers = {
  messageAdded: {
    subscribe: (_p, args, ctx) =>
      conversationStream<MessageEvent, MessageView>(ctx, args.conversationId, messageTrigger, (e, who) => newMessageFor(ctx, who, e), true, true),
    resolve: (message: MessageView) => message,
  },
  typing: {
    subscribe: (_p, args, ctx) =>
      conversationStream<TypingPayload, TypingPayload>(ctx, args.conversationId, typingTrigger, (e, who) => (e.userId === who.user.userId ? undefined : e), false),
    resolve: (event: TypingPayload) => event,
  },
  receiptUpdated: {
    subscribe: (_p, args, ctx) => conversationStream<ReceiptPayload, ReceiptPayload>(ctx, args.conversationId, receiptTrigger, (e) => e, false),
    resolve: (event: ReceiptPayload) => event,
  },
  conversationUpdated: {
    subscribe: async (_p, _args, ctx) => {
      const who = actor(ctx);
      const queue = await subscribeTopic<ConversationEvent, ConversationView>(ctx.pubsub, userTrigger(who.user.userId), (e) => stillIn(ctx, who, e.conversationId));
      queue.onClosed(ctx.chat.presence.hold(who.user.userId));
      return queue as unknown as AsyncIterable<never>;
    },
    resolve: (conversation: ConversationView) => conversation,
  },
};
