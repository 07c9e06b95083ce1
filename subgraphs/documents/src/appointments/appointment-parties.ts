// Who takes part in each appointment (patient, doctor) and when it is, kept from the appointments
// service's `appointment.*` events on the `documents-appointments` queue: the appointment's doctor may
// read the documents attached to it, and confirmations are generated from it. A request's
// `documentIds` are attached to the appointment: only the patient's own, live, unattached documents.
// Idempotent and order-safe: an event older than what is stored changes nothing.
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { consumeQueue, tracedFork, type Logger, type OutboxJob, type QueueConsumer } from '@clinic/service-kit';
import { z } from 'zod';

/** Produced to by appointments' outbox relay (its DOCUMENTS_QUEUE). */
export const DOCUMENTS_APPOINTMENTS_QUEUE = 'documents-appointments';

const payload = z.object({
  appointmentId: z.string().uuid(),
  patientId: z.string().uuid(),
  doctorId: z.string().uuid(),
  startsAt: z.string().datetime({ offset: true }),
  endsAt: z.string().datetime({ offset: true }),
  consultationType: z.string().min(1).max(80),
  status: z.string().min(1).max(40),
  documentIds: z.array(z.string().uuid()).max(20).optional(),
});

export async function applyAppointmentJob(em: EntityManager, job: OutboxJob): Promise<boolean> {
  if (!job.topic.startsWith('appointment.')) return false;
  const parsed = payload.safeParse(job.payload);
  if (!parsed.success) return false;
  const p = parsed.data;
  await em.execute(
    `insert into appointment_parties (appointment_id, patient_id, doctor_id, starts_at, ends_at, consultation_type, status, source_event_at)
     values (?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (appointment_id) do update set starts_at = excluded.starts_at, ends_at = excluded.ends_at,
       status = excluded.status, source_event_at = excluded.source_event_at
     where appointment_parties.source_event_at <= excluded.source_event_at`,
    [p.appointmentId, p.patientId, p.doctorId, p.startsAt, p.endsAt, p.consultationType, p.status, job.createdAt],
  );
  if (job.topic === 'appointment.requested' && p.documentIds?.length) {
    await em.execute(
      `update documents set appointment_id = ?, updated_at = now()
       where id = any(?::uuid[]) and owner_id = ? and appointment_id is null and deleted_at is null and erased_at is null`,
      [p.appointmentId, `{${p.documentIds.join(',')}}`, p.patientId],
    );
  }
  return true;
}

export function startAppointmentPartiesWorker(orm: MikroORM, redisUrl: string | null, logger: Logger, queue: string): QueueConsumer {
  return consumeQueue(queue, redisUrl, async (job, trace) => {
    if (!(await applyAppointmentJob(tracedFork(orm, trace), job))) logger.warn({ eventId: job.eventId }, 'ignoring a malformed appointment event');
  }, logger);
}
