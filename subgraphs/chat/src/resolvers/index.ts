// Thin resolvers: check who is asking (every path goes through the participant check, `_entities` too),
// call the domain, map. Access is also declared in the SDL (@authenticated), enforced by the router.
import { badUserInput, DateTimeScalar, forbidden, outboxAdminResolvers, pageSize, requireUser } from '@clinic/service-kit';
import type { Resolvers } from '../generated/resolvers-types.ts';
import type { ChatContext } from '../context.ts';
import { actorFrom, isDesk, isUuid } from '../actor.ts';
import { openAsStaff, requireParticipant } from '../conversations/access.ts';
import { openAppointmentConversation, startConversation } from '../conversations/start-conversation.ts';
import { addParticipant, archiveConversation, removeParticipant } from '../conversations/participants.ts';
import { deskConversations, listConversations } from '../conversations/list-conversations.ts';
import { deleteMessage, editMessage, sendMessage } from '../messages/send-message.ts';
import { idAtSeq, lastMessage, pageMessages } from '../messages/read-messages.ts';
import { markReceived, sendTyping, statusFor } from '../messages/receipts.ts';
import { searchMessages } from '../messages/search-messages.ts';
import { subscriptionResolvers } from './subscriptions.ts';
import { isAssistant } from '../assistant/assistant-participant.ts';

const actor = (ctx: ChatContext) => actorFrom(ctx.viewer, ctx.requestId, ctx.ip);
const outboxAdmin = outboxAdminResolvers('chat');

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    ...outboxAdmin.Query,
    conversation: (_p, args, ctx) =>
      args.staffAccess ? openAsStaff(ctx.em, actor(ctx), args.id) : requireParticipant(ctx.em, actor(ctx), args.id),
    messages: async (_p, args, ctx) => {
      const conv = await requireParticipant(ctx.em, actor(ctx), args.conversationId);
      return pageMessages(ctx.em, ctx.chat.keys, conv, { after: args.after, before: args.before, first: pageSize(args.first, 50, 200) });
    },
    searchMessages: (_p, args, ctx) => searchMessages(ctx.em, ctx.chat, actor(ctx), args.query, pageSize(args.first, 20, 100)),
    deskConversations: (_p, args, ctx) => {
      if (!isDesk(requireUser(ctx.viewer))) throw forbidden('Only the desk (operators, administrators) sees desk conversations');
      return deskConversations(ctx.em, pageSize(args.first, 20, 100));
    },
  },
  Mutation: {
    ...outboxAdmin.Mutation,
    startConversation: (_p, args, ctx) => startConversation(ctx.em, ctx.chat, actor(ctx), args.input),
    openAppointmentConversation: async (_p, args, ctx) => {
      const a = actor(ctx);
      const { row } = await openAppointmentConversation(ctx.em, ctx.chat, args.appointmentId, a);
      return isDesk(a.user) ? openAsStaff(ctx.em, a, row.id) : requireParticipant(ctx.em, a, row.id);
    },
    sendMessage: (_p, args, ctx) => sendMessage(ctx.em, ctx.chat, actor(ctx), args.input, ctx.authorization),
    editMessage: (_p, args, ctx) => editMessage(ctx.em, ctx.chat, actor(ctx), args.id, args.body),
    deleteMessage: (_p, args, ctx) => deleteMessage(ctx.em, ctx.chat, actor(ctx), args.id),
    markDelivered: (_p, args, ctx) => markReceived(ctx.em, ctx.chat, actor(ctx), args.conversationId, args.upToMessageId, false),
    markRead: (_p, args, ctx) => markReceived(ctx.em, ctx.chat, actor(ctx), args.conversationId, args.upToMessageId, true),
    sendTyping: (_p, args, ctx) => sendTyping(ctx.em, ctx.chat, actor(ctx), args.conversationId),
    addParticipant: (_p, args, ctx) => addParticipant(ctx.em, ctx.chat, actor(ctx), args.conversationId, args.userId, args.role ?? 'MEMBER'),
    removeParticipant: (_p, args, ctx) => removeParticipant(ctx.em, ctx.chat, actor(ctx), args.conversationId, args.userId),
    archiveConversation: (_p, args, ctx) => archiveConversation(ctx.em, ctx.chat, actor(ctx), args.id, args.archived ?? true),
  },
  Subscription: subscriptionResolvers,
  Conversation: {
    __resolveReference: (ref, ctx) => requireParticipant(ctx.em, actor(ctx), ref.id),
    appointment: (c) => (c.appointmentId ? { id: c.appointmentId } : null),
    participants: (c, _a, ctx) => ctx.loaders.participants.load(c.id),
    messages: (c, args, ctx) => pageMessages(ctx.em, ctx.chat.keys, c, { after: args.after, before: args.before, first: pageSize(args.first, 50, 200) }),
    lastMessage: (c, _a, ctx) => lastMessage(ctx.em, ctx.chat.keys, c),
    active: (c, _a, ctx) => ctx.chat.now().getTime() - c.lastActivityAt.getTime() < ctx.chat.settings.inactiveAfterMs,
    unreadCount: async (c, _a, ctx) => {
      if ('unread' in c && typeof c.unread === 'number') return c.unread;
      if (!c.membership) return 0;
      const rows = await ctx.em.execute<{ n: string }[]>(
        `select count(*) as n from messages where conversation_id = ? and seq > ? and deleted_at is null and sender_id is distinct from ?`,
        [c.id, c.membership.readSeq, requireUser(ctx.viewer).userId],
      );
      return Number(rows[0]?.n ?? 0);
    },
    archived: (c) => c.membership?.archived ?? false,
  },
  Participant: {
    user: (p) => ({ id: p.userId }),
    deliveredUpTo: (p, _a, ctx) => idAtSeq(ctx.em, p.conversationId, p.deliveredSeq),
    readUpTo: (p, _a, ctx) => idAtSeq(ctx.em, p.conversationId, p.readSeq),
  },
  Message: {
    sender: (m) => (m.senderId && !isAssistant(m.senderId) ? { id: m.senderId } : null),
    fromAssistant: (m) => isAssistant(m.senderId),
    receipts: async (m, _a, ctx) => {
      const participants = await ctx.loaders.participants.load(m.conversationId);
      return participants.filter((p) => p.userId !== m.senderId).map((p) => ({ userId: p.userId, status: statusFor(m.seq, p) }));
    },
  },
  Attachment: { document: (a) => ({ id: a.documentId }) },
  Receipt: { user: (r) => ({ id: r.userId }) },
  ReceiptUpdate: { user: (r) => ({ id: r.userId }) },
  TypingEvent: { user: (t) => ({ id: t.userId }) },
  User: {
    __resolveReference: (ref) => ({ id: ref.id }),
    conversations: (user, args, ctx) => {
      const me = requireUser(ctx.viewer);
      if (me.userId !== user.id) throw forbidden('You see only your own conversations');
      return listConversations(ctx.em, me.userId, { first: pageSize(args.first, 20, 100), after: args.after, archived: args.archived ?? false, tags: args.tags, category: args.category });
    },
  },
  Appointment: {
    __resolveReference: (ref) => ({ id: ref.id }),
    conversation: (a, _args, ctx) => {
      requireUser(ctx.viewer);
      if (!isUuid(a.id)) throw badUserInput('appointment id must be a UUID');
      return ctx.loaders.appointmentConversation.load(a.id);
    },
  },
};
