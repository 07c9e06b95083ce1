// The CHAT channel: a reminder or appointment update for a patient who chose chat is handed to chat (its
// queue, contract in the kit) as a code for a system message in that appointment's conversation; the attempt
// is SENT once chat has it. Chat's answer comes back on `notifications-chat-results`: POSTED → DELIVERED;
// NO_CONVERSATION → FAILED, and the message fails over (a reminder to SMS, else in-app; an update to in-app,
// unless the patient already has it there). Answers are handled once (their event id).
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { CHAT_NOTIFICATION_CODES, CHAT_NOTIFICATION_RESULT_TOPIC, type OutboxJob, traceOfEntityManager } from '@clinic/service-kit';
import { firstDelivery, sql } from '../db.ts';
import type { DeliveryAttempt } from '../entities/index.ts';
import type { NotifyDeps } from '../deps.ts';
import { PermanentDeliveryError } from './providers.ts';
import { failover } from './deliver.ts';
import { dispatch, type MessageOutcome } from './messages.ts';

export async function sendToChat(deps: NotifyDeps, attempt: Pick<DeliveryAttempt, 'id' | 'userId' | 'type'> & { appointmentId: string | null }): Promise<void> {
  const code = CHAT_NOTIFICATION_CODES[attempt.type as keyof typeof CHAT_NOTIFICATION_CODES];
  if (!code || !attempt.appointmentId) throw new PermanentDeliveryError('only reminders and appointment updates go to chat');
  await deps.chat.post({ notificationId: attempt.id, appointmentId: attempt.appointmentId, recipientId: attempt.userId, code });
}

const Result = z.object({ notificationId: z.string().uuid(), outcome: z.enum(['POSTED', 'NO_CONVERSATION']) });

export async function handleChatResult(em: EntityManager, deps: NotifyDeps, job: OutboxJob): Promise<void> {
  if (job.topic !== CHAT_NOTIFICATION_RESULT_TOPIC) return;
  const parsed = Result.safeParse(job.payload);
  if (!parsed.success) return deps.logger.warn({ eventId: job.eventId }, 'chat result without its ids; skipped');
  let after: MessageOutcome | null = null;
  let failedReminder: DeliveryAttempt | null = null;
  await em.fork().transactional(async (tx) => {
    if (!(await firstDelivery(tx, job.eventId))) return;
    const [attempt] = await sql<DeliveryAttempt & { subject: string | null; body: string; appointmentId: string | null }>(
      tx,
      `update delivery_attempts set status = ?, error = ?, updated_at = now() where id = ? and channel = 'CHAT' and status in ('QUEUED', 'SENT')
       returning id, dedupe_key as "dedupeKey", user_id as "userId", type, channel, reminder_id as "reminderId", subject, body, appointment_id as "appointmentId"`,
      [parsed.data.outcome === 'POSTED' ? 'DELIVERED' : 'FAILED', parsed.data.outcome === 'POSTED' ? null : 'no conversation for this appointment', parsed.data.notificationId],
    );
    if (!attempt || parsed.data.outcome === 'POSTED') return;
    if (attempt.reminderId) {
      // After the commit: failover queues its own delivery job, which must find the new row.
      failedReminder = attempt;
      return;
    }
    // An appointment update: in-app, unless the same event already put it there.
    const inAppKey = attempt.dedupeKey.replace(/\/CHAT$/, '/IN_APP');
    const [row] = await sql<Record<string, unknown>>(
      tx,
      `insert into notifications (id, user_id, type, title, body, appointment_id, dedupe_key, created_at)
       select ?, ?, ?, ?, ?, ?, ?, ? where not exists (select 1 from notifications where dedupe_key = ?)
       on conflict (dedupe_key) do nothing
       returning id, user_id as "userId", type, title, body, appointment_id as "appointmentId", created_at as "createdAt", read_at as "readAt"`,
      [randomUUID(), attempt.userId, attempt.type, attempt.subject ?? attempt.type, attempt.body, attempt.appointmentId, `${attempt.dedupeKey}/failover-in-app`, deps.now(), inAppKey],
    );
    if (row) after = { kind: 'in-app', notification: row as never };
  });
  if (after) await dispatch(deps, after, traceOfEntityManager(em));
  if (failedReminder) await failover(em.fork(), deps, failedReminder);
}
