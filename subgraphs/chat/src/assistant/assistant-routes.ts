// Chat's two internal routes for the clinic assistant (reached only with the router secret, never through the
// router): read a patient's message in a conversation the assistant takes part in, and post the assistant's
// reply there as a bot message, with slot recommendations as BOOK_SLOT quick actions. A reply is stored once
// per patient message (its client id is `reply:<message id>`), so a retried job posts nothing new.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import {
  ASSISTANT_MESSAGE_PATH, ASSISTANT_PARTICIPANT_ID, ASSISTANT_REPLY_PATH, hasRouterSecret, readBody, sendJson, traceOfEntityManager,
  type AssistantChatMessage, type AssistantChatReply, type SubgraphDeps,
} from '@clinic/service-kit';
import { isUuid } from '../actor.ts';
import type { ChatServices } from '../services.ts';
import type { ConversationRow } from '../entities/rows.ts';
import { findConversation, membershipOf, participantIds } from '../conversations/access.ts';
import { appendMessage } from '../messages/send-message.ts';
import { messagesByIds } from '../messages/read-messages.ts';
import { announceMessage } from '../realtime/triggers.ts';
import { people } from './assistant-participant.ts';

const id = z.string().refine(isUuid, 'must be a UUID');
const messageRequest = z.object({ messageId: id });
const replyRequest = z.object({
  conversationId: id,
  inReplyTo: id,
  body: z.string().trim().min(1).max(4000),
  actions: z
    .array(z.object({ kind: z.literal('BOOK_SLOT'), doctorId: id, startsAt: z.string().datetime({ offset: true }), consultationType: z.string().max(40).nullable() }))
    .max(5),
});

/** The conversation, if the assistant currently takes part in it. */
async function assistantConversation(em: EntityManager, conversationId: string): Promise<ConversationRow | null> {
  const conv = await findConversation(em, conversationId);
  return conv && (await membershipOf(em, conv.id, ASSISTANT_PARTICIPANT_ID)) ? conv : null;
}

export async function readForAssistant(em: EntityManager, services: ChatServices, messageId: string): Promise<AssistantChatMessage | null> {
  const [message] = await messagesByIds(em, services.keys, [messageId]);
  if (!message || message.kind !== 'TEXT' || !message.senderId || message.body === null) return null;
  if (!(await assistantConversation(em, message.conversationId))) return null;
  return { conversationId: message.conversationId, messageId: message.id, senderId: message.senderId, body: message.body };
}

export async function postAssistantReply(em: EntityManager, services: ChatServices, reply: AssistantChatReply): Promise<string | null> {
  const conv = await assistantConversation(em, reply.conversationId);
  const [original] = await messagesByIds(em, services.keys, [reply.inReplyTo]);
  if (!conv || original?.conversationId !== conv.id) return null;
  const clientMessageId = `reply:${reply.inReplyTo}`;
  const stored = async () =>
    (await em.execute<{ id: string }[]>(`select id from messages where conversation_id = ? and sender_id = ? and client_message_id = ?`, [conv.id, ASSISTANT_PARTICIPANT_ID, clientMessageId]))[0]?.id ?? null;
  const existing = await stored();
  if (existing) return existing;
  const recipients = people(await participantIds(em, conv.id));
  const offline: string[] = [];
  for (const userId of recipients) if (!(await services.presence.online(userId, traceOfEntityManager(em)))) offline.push(userId);
  const actions = reply.actions.map((a) => ({ kind: a.kind, appointmentId: null, doctorId: a.doctorId, startsAt: new Date(a.startsAt).toISOString(), consultationType: a.consultationType }));
  const messageId = await em
    .transactional((tx) =>
      appendMessage(tx, services, { id: conv.id, wrappedKey: conv.wrapped_key }, { kind: 'TEXT', senderId: ASSISTANT_PARTICIPANT_ID, clientMessageId, body: reply.body, actions }, offline),
    )
    // A concurrent retry stored it first.
    .catch(async (error: unknown) => (await stored()) ?? Promise.reject(error));
  await announceMessage(services.pubsub, { conversationId: conv.id, messageId }, recipients, traceOfEntityManager(em));
  return messageId;
}

type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function assistantRoutes(deps: SubgraphDeps, services: ChatServices): Record<string, Route> {
  const guarded = <T>(schema: z.ZodType<T>, handle: (input: T, em: EntityManager) => Promise<void | [number, unknown]>): Route => async (req, res) => {
    if (!hasRouterSecret(req, deps.config.routerSecret)) return sendJson(res, 403, { error: 'forbidden' });
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'method not allowed' });
    let raw: unknown;
    try {
      raw = JSON.parse(await readBody(req, 64 * 1024));
    } catch {
      return sendJson(res, 400, { error: 'body must be JSON' });
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) return sendJson(res, 400, { error: parsed.error.issues[0]?.message ?? 'invalid' });
    const [status, body] = (await handle(parsed.data, deps.orm.em.fork())) ?? [204, null];
    sendJson(res, status, body);
  };
  return {
    [ASSISTANT_MESSAGE_PATH]: guarded(messageRequest, async ({ messageId }, em) => {
      const message = await readForAssistant(em, services, messageId);
      return message ? [200, message] : [404, { error: 'not found' }];
    }),
    [ASSISTANT_REPLY_PATH]: guarded(replyRequest, async (reply, em) => {
      const messageId = await postAssistantReply(em, services, reply);
      return messageId ? [200, { messageId }] : [404, { error: 'not found' }];
    }),
  };
}
