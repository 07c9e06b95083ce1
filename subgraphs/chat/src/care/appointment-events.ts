// Learns from appointments' events (queue `chat-appointments`): which patient has (had) an appointment
// with which doctor — the rule of who may write to whom — and, when an appointment is approved, opens its
// conversation with a system message. Idempotent on the event id: a redelivered job changes nothing.
import type { MikroORM } from '@mikro-orm/postgresql';
import { consumeQueue, tracedFork, type Logger, type OutboxJob, type QueueConsumer, type TraceContext } from '@clinic/service-kit';
import { isUuid } from '../actor.ts';
import type { ChatServices } from '../services.ts';
import { openAppointmentConversation } from '../conversations/start-conversation.ts';
import { participantIds } from '../conversations/access.ts';
import { appendMessage } from '../messages/send-message.ts';
import { announceMessage } from '../realtime/triggers.ts';

export const CHAT_APPOINTMENTS_QUEUE = 'chat-appointments';
export const APPOINTMENT_APPROVED_TOPIC = 'appointment.approved';

/** Applies one job; false when it was already applied, not for us, or malformed. */
export async function applyAppointmentEvent(orm: MikroORM, services: ChatServices, job: OutboxJob, logger?: Logger, trace?: TraceContext): Promise<boolean> {
  if (!job.topic.startsWith('appointment.')) return false;
  const { appointmentId, patientId, doctorId, status } = job.payload;
  if (![appointmentId, patientId, doctorId].every((v) => typeof v === 'string' && isUuid(v)) || typeof status !== 'string' || !isUuid(job.eventId)) {
    logger?.warn({ eventId: job.eventId }, 'ignoring a malformed appointment event');
    return false;
  }
  const em = tracedFork(orm, trace);
  const fresh = await em.transactional(async (tx) => {
    const claimed = await tx.execute(`insert into processed_events (event_id) values (?) on conflict do nothing returning event_id`, [job.eventId]);
    if (!claimed.length) return false;
    await tx.execute(
      `insert into known_appointments (appointment_id, patient_id, doctor_id, status, updated_at) values (?, ?, ?, ?, ?)
       on conflict (appointment_id) do update set status = excluded.status, doctor_id = excluded.doctor_id, updated_at = excluded.updated_at
       where known_appointments.updated_at <= excluded.updated_at`,
      [appointmentId, patientId, doctorId, status, job.createdAt],
    );
    return true;
  });
  if (!fresh || job.topic !== APPOINTMENT_APPROVED_TOPIC) return fresh;
  const { row } = await openAppointmentConversation(em, services, appointmentId as string, null);
  const offline: string[] = [];
  const members = await participantIds(em, row.id);
  for (const id of members) if (!(await services.presence.online(id, trace))) offline.push(id);
  const messageId = await em.transactional((tx) =>
    appendMessage(tx, services, { id: row.id, wrappedKey: row.wrapped_key }, { kind: 'SYSTEM', senderId: null, clientMessageId: `event:${job.eventId}`, body: APPOINTMENT_APPROVED_TOPIC }, offline),
  );
  await announceMessage(services.pubsub, { conversationId: row.id, messageId }, members, trace);
  return true;
}

export function startAppointmentEventsWorker(orm: MikroORM, services: ChatServices, redisUrl: string | null, logger: Logger, queue: string): QueueConsumer {
  return consumeQueue(queue, redisUrl, async (job, trace) => {
    await applyAppointmentEvent(orm, services, job, logger, trace);
  }, logger);
}
