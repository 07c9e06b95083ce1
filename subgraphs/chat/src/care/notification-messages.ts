// Notifications' CHAT channel (queue `chat-notifications`, contract in the kit): a reminder or appointment
// update becomes a SYSTEM message (its code) in the conversation of that appointment, if the recipient takes
// part in it. Idempotent on the notification id (processed_events, and the message's client id); the answer —
// POSTED or NO_CONVERSATION — goes back to notifications through the outbox in the same transaction. The
// message does not raise an unread-message event: it is itself the notification.
import type { MikroORM } from '@mikro-orm/postgresql';
import { z } from 'zod';
import {
  CHAT_NOTIFICATION_CODES,
  CHAT_NOTIFICATION_RESULT_TOPIC,
  CHAT_NOTIFICATION_TOPIC,
  consumeQueue,
  enqueueEvent,
  tracedFork,
  type ChatNotificationResultPayload,
  type Logger,
  type OutboxJob,
  type QueueConsumer,
  type TraceContext,
} from '@clinic/service-kit';
import type { ChatServices } from '../services.ts';
import { appendMessage } from '../messages/send-message.ts';
import { participantIds } from '../conversations/access.ts';
import { announceMessage } from '../realtime/triggers.ts';

const Payload = z.object({
  notificationId: z.string().uuid(),
  appointmentId: z.string().uuid(),
  recipientId: z.string().uuid(),
  code: z.enum(Object.values(CHAT_NOTIFICATION_CODES) as [string, ...string[]]),
});

/** Posts it (or answers NO_CONVERSATION); null when it was handled before or is not ours. */
export async function applyNotificationMessage(orm: MikroORM, services: ChatServices, job: OutboxJob, logger?: Logger, trace?: TraceContext): Promise<ChatNotificationResultPayload['outcome'] | null> {
  if (job.topic !== CHAT_NOTIFICATION_TOPIC) return null;
  const parsed = Payload.safeParse(job.payload);
  if (!parsed.success) {
    logger?.warn({ eventId: job.eventId }, 'ignoring a malformed chat notification');
    return null;
  }
  const { notificationId, appointmentId, recipientId, code } = parsed.data;
  const em = tracedFork(orm, trace);
  const posted = await em.transactional(async (tx) => {
    const claimed = await tx.execute(`insert into processed_events (event_id) values (?) on conflict do nothing returning event_id`, [notificationId]);
    if (!claimed.length) return null;
    const [conv] = await tx.execute<{ id: string; wrapped_key: string }[]>(
      `select c.id, c.wrapped_key from conversations c join participants p on p.conversation_id = c.id and p.user_id = ? where c.appointment_id = ?`,
      [recipientId, appointmentId],
    );
    const answer = (outcome: ChatNotificationResultPayload['outcome']) => enqueueEvent(tx, CHAT_NOTIFICATION_RESULT_TOPIC, { notificationId, outcome } satisfies ChatNotificationResultPayload);
    if (!conv) {
      answer('NO_CONVERSATION');
      return { outcome: 'NO_CONVERSATION' as const, conversationId: null, messageId: null };
    }
    const messageId = await appendMessage(tx, services, { id: conv.id, wrappedKey: conv.wrapped_key }, { kind: 'SYSTEM', senderId: null, clientMessageId: `notification:${notificationId}`, body: code }, []);
    answer('POSTED');
    return { outcome: 'POSTED' as const, conversationId: conv.id, messageId };
  });
  if (!posted) return null;
  if (posted.conversationId && posted.messageId) await announceMessage(services.pubsub, { conversationId: posted.conversationId, messageId: posted.messageId }, await participantIds(em, posted.conversationId), trace);
  return posted.outcome;
}

export function startNotificationMessagesWorker(orm: MikroORM, services: ChatServices, redisUrl: string | null, logger: Logger, queue: string): QueueConsumer {
  return consumeQueue(queue, redisUrl, async (job, trace) => {
    await applyNotificationMessage(orm, services, job, logger, trace);
  }, logger);
}
