// Who takes part in each appointment (patient, doctor), kept from the appointments service's
// `appointment.*` events on the `documents-appointments` queue, so the appointment's doctor may read
// the documents attached to it. Idempotent: the parties of an appointment never change.
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { consumeQueue, type Logger, type OutboxJob, type QueueConsumer } from '@clinic/service-kit';

/** Produced to by appointments' outbox relay (its DOCUMENTS_QUEUE). */
export const DOCUMENTS_APPOINTMENTS_QUEUE = 'documents-appointments';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function applyAppointmentJob(em: EntityManager, job: OutboxJob): Promise<boolean> {
  const { appointmentId, patientId, doctorId } = job.payload;
  if (!job.topic.startsWith('appointment.')) return false;
  if (![appointmentId, patientId, doctorId].every((id) => typeof id === 'string' && UUID.test(id))) return false;
  await em.execute(`insert into appointment_parties (appointment_id, patient_id, doctor_id) values (?, ?, ?) on conflict (appointment_id) do nothing`, [
    appointmentId,
    patientId,
    doctorId,
  ]);
  return true;
}

export function startAppointmentPartiesWorker(orm: MikroORM, redisUrl: string | null, logger: Logger, queue: string): QueueConsumer {
  return consumeQueue(queue, redisUrl, async (job) => {
    if (!(await applyAppointmentJob(orm.em.fork(), job))) logger.warn({ eventId: job.eventId }, 'ignoring a malformed appointment event');
  }, logger);
}
