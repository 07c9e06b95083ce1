// Thin resolvers: check who is asking, call the domain, map the result. Access is declared in the SDL (the
// router enforces it) and checked again here: a patient reads only their own turns; operators the queue.
import { badUserInput, checkTimeZone, DateTimeScalar, forbidden, notFound, outboxAdminResolvers, pageSize, requireRole, requireUser, unauthenticated } from '@clinic/service-kit';
import { z } from 'zod';
import type { Resolvers } from '../generated/resolvers-types.ts';
import { AssistantTurnSchema, HandoffSchema } from '../entities/conversation.ts';
import type { ArticleCategory } from '../entities/knowledge.ts';
import { askAssistant } from '../conversation/ask.ts';
import { checkSession, isStaff, STAFF_ROLES } from '../conversation/access.ts';
import { clinicApi } from '../clinic-api/clinic-api.ts';
import { handBack, handoffQueue, operatorReply, takeOver } from '../handoff/handoffs.ts';
import { assistantKpis } from '../analytics/kpis.ts';
import { labelMessage, unrecognisedMessages } from '../analytics/labelling.ts';
import { saveRating } from '../analytics/satisfaction.ts';
import { articleVersions, saveArticle, searchArticles } from '../knowledge/knowledge-base.ts';

const outboxAdmin = outboxAdminResolvers('assistant');
const Uuid = z.string().uuid();
const Message = z.string().trim().min(1, 'message is empty').max(2000, 'message has at most 2000 characters');

const parse = <T>(schema: z.ZodType<T>, value: unknown, name: string): T => {
  const r = schema.safeParse(value);
  if (!r.success) throw badUserInput(`${name}: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return r.data;
};

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    ...outboxAdmin.Query,
    assistantTurns: async (_p, { sessionId, userId, first }, ctx) => {
      const viewer = requireUser(ctx.viewer);
      const limit = pageSize(first, 50, 200);
      if (sessionId) {
        await checkSession(ctx.em, viewer, parse(Uuid, sessionId, 'sessionId'));
        return ctx.em.find(AssistantTurnSchema, { sessionId }, { orderBy: { createdAt: 'asc' }, limit });
      }
      const owner = userId ? parse(Uuid, userId, 'userId') : viewer.userId;
      if (owner !== viewer.userId && !isStaff(viewer)) throw forbidden('You may only read your own conversations');
      const rows = await ctx.em.find(AssistantTurnSchema, { userId: owner }, { orderBy: { createdAt: 'desc' }, limit });
      return rows.reverse();
    },
    handoffQueue: (_p, { language, topic }, ctx) => {
      requireRole(ctx.viewer, ...STAFF_ROLES);
      return handoffQueue(ctx.em, { language, topic });
    },
    knowledgeSearch: async (_p, { text, language, first }, ctx) => {
      requireUser(ctx.viewer);
      const lang = parse(z.enum(['en', 'ro']), language ?? 'en', 'language');
      const found = await searchArticles(ctx.em, parse(Message, text, 'text'), lang, pageSize(first, 5, 50));
      return found.map((f) => f.article);
    },
    knowledgeArticleVersions: async (_p, { id }, ctx) => {
      requireRole(ctx.viewer, ...STAFF_ROLES);
      const rows = await articleVersions(ctx.em, parse(Uuid, id, 'id'));
      return rows.map((r) => ({ version: r.version, title: r.title, body: r.body, category: r.category as ArticleCategory, updatedBy: r.updated_by, updatedAt: r.updated_at }));
    },
    assistantKpis: (_p, { from, to, timeZone }, ctx) => {
      requireRole(ctx.viewer, ...STAFF_ROLES);
      if (to <= from) throw badUserInput('to must be after from');
      return assistantKpis(ctx.em, from, to, checkTimeZone(timeZone ?? 'UTC'));
    },
    unrecognisedMessages: (_p, { from, to, language, first }, ctx) => {
      requireRole(ctx.viewer, ...STAFF_ROLES);
      if (to <= from) throw badUserInput('to must be after from');
      const lang = language ? parse(z.enum(['en', 'ro']), language, 'language') : null;
      return unrecognisedMessages(ctx.em, from, to, { language: lang, first: pageSize(first, 20, 200) });
    },
  },
  Mutation: {
    ...outboxAdmin.Mutation,
    askAssistant: (_p, { message, sessionId, timeZone }, ctx) => {
      const viewer = requireRole(ctx.viewer, 'PATIENT');
      if (!ctx.authorization) throw unauthenticated('The assistant needs your own sign-in to act for you');
      const api = ctx.assistant.directory(clinicApi(ctx.assistant.routerUrl(), ctx.authorization));
      return askAssistant(
        ctx.em,
        viewer,
        { message: parse(Message, message, 'message'), sessionId: sessionId ? parse(Uuid, sessionId, 'sessionId') : null, timeZone: timeZone ?? null },
        api,
        ctx.assistant,
      );
    },
    rateAssistantConversation: async (_p, { sessionId, rating }, ctx) => {
      const viewer = requireRole(ctx.viewer, 'PATIENT');
      const id = parse(Uuid, sessionId, 'sessionId');
      const owner = await checkSession(ctx.em, viewer, id);
      if (owner !== viewer.userId) throw notFound('Conversation');
      await saveRating(ctx.em, id, viewer.userId, rating, ctx.assistant.now());
      return true;
    },
    labelAssistantMessage: (_p, { input }, ctx) => labelMessage(ctx.em, requireRole(ctx.viewer, ...STAFF_ROLES), input, ctx.assistant.now()),
    saveKnowledgeArticle: (_p, { input }, ctx) => saveArticle(ctx.em, requireRole(ctx.viewer, ...STAFF_ROLES), input, ctx.assistant.now()),
    takeOverHandoff: (_p, { id }, ctx) => takeOver(ctx.em, requireRole(ctx.viewer, ...STAFF_ROLES), parse(Uuid, id, 'id'), ctx.assistant.now()),
    operatorReply: (_p, { handoffId, message }, ctx) =>
      operatorReply(ctx.em, requireRole(ctx.viewer, ...STAFF_ROLES), parse(Uuid, handoffId, 'handoffId'), parse(Message, message, 'message'), ctx.assistant.now()),
    handBackHandoff: (_p, { id }, ctx) => handBack(ctx.em, requireRole(ctx.viewer, ...STAFF_ROLES), parse(Uuid, id, 'id'), ctx.assistant.now()),
  },
  AssistantTurn: {
    handoff: (turn, _a, ctx) => (turn.handoffId ? ctx.em.findOne(HandoffSchema, { id: turn.handoffId }) : null),
  },
  Handoff: {
    transcript: (h, _a, ctx) => ctx.transcripts.load(h.sessionId),
  },
  AssistantKpis: {
    topUnrecognised: (k, { first }, ctx) => unrecognisedMessages(ctx.em, k.from, k.to, { first: pageSize(first, 10, 50) }),
  },
};
