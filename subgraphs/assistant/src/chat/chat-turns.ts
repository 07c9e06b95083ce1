// The assistant in chat: a patient's message in a conversation the assistant takes part in (chat's
// `chat.message_to_assistant` event, ids only) becomes a turn of the session named after the conversation,
// and the reply goes back into the conversation as the assistant's message, slots as BOOK_SLOT buttons the
// patient's own client books. Silent while an operator has taken over. A redelivered event answers nothing new.
import type { MikroORM } from '@mikro-orm/postgresql';
import { consumeQueue, tracedFork, type Logger, type MessageToAssistantPayload, type OutboxJob, type QueueConsumer, type TraceContext } from '@clinic/service-kit';
import { z } from 'zod';
import { AssistantTurnSchema, type AssistantTurn } from '../entities/conversation.ts';
import { clinicApi } from '../clinic-api/clinic-api.ts';
import { converse } from '../conversation/ask.ts';
import type { AssistantSettings } from '../context.ts';
import type { ChatClient } from './chat-client.ts';

const payload = z.object({ conversationId: z.string().uuid(), messageId: z.string().uuid(), senderId: z.string().uuid(), proof: z.string().max(2000).optional() });

export async function answerChatMessage(orm: MikroORM, chat: ChatClient, settings: AssistantSettings, event: MessageToAssistantPayload, trace?: TraceContext): Promise<AssistantTurn | null> {
  const em = tracedFork(orm, trace);
  let turn = await em.findOne(AssistantTurnSchema, { chatMessageId: event.messageId });
  if (!turn) {
    const message = await chat.message(event.messageId);
    if (!message || message.conversationId !== event.conversationId) return null;
    // With chat's proof, identity gives the patient's own short token (appointment operations only): the
    // assistant then books, reschedules and cancels itself, after the patient's explicit "yes". Without it
    // (not set up, stale, replayed, signed out) it only reads free time with its availability token and offers.
    const patientToken = event.proof ? await settings.delegated(event.proof) : null;
    turn = await converse(
      em,
      { userId: message.senderId },
      { message: message.body.slice(0, 2000), sessionId: message.conversationId, timeZone: null },
      settings.directory(clinicApi(settings.routerUrl(), patientToken ?? (await settings.availability()))),
      settings,
      // When the assistant acts, the patient answers with the slot's number (then confirms): no booking buttons.
      { chatMessageId: message.messageId, canAct: patientToken !== null, slotButtons: patientToken === null },
    );
  }
  if (turn.reply) {
    // Slots the patient's client books itself (kept on the turn only when the assistant could not act).
    const actions = turn.quickActions.flatMap((a) => (a.slot ? [{ kind: 'BOOK_SLOT' as const, ...a.slot }] : []));
    await chat.reply({ conversationId: event.conversationId, inReplyTo: event.messageId, body: turn.reply, actions });
  }
  return turn;
}

export function startChatWorker(orm: MikroORM, chat: ChatClient, settings: AssistantSettings, redisUrl: string | null, logger: Logger, queue: string): QueueConsumer {
  // One at a time: a patient's messages are answered in the order they wrote them.
  return consumeQueue(
    queue,
    redisUrl,
    async (job: OutboxJob, trace: TraceContext) => {
      const parsed = payload.safeParse(job.payload);
      if (!parsed.success) return logger.warn({ eventId: job.eventId }, 'ignoring a malformed chat event');
      await answerChatMessage(orm, chat, settings, parsed.data, trace);
    },
    logger,
    { concurrency: 1 },
  );
}
