// Care relationships: a doctor may read the account and patient profile of their own patients (anyone
// with an appointment with them, past or future) and of nobody else. Fed by appointments' `appointment.*`
// events on CARE_EVENTS_QUEUE; applying one is idempotent (the pair is the key; redeliveries and
// later events of the same pair change nothing).
import DataLoader from 'dataloader';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { consumeQueue, tracedFork, hasRole, type Logger, type OutboxJob, type QueueConsumer, type Viewer } from '@clinic/service-kit';
import { query } from '../db.ts';
import { isUuid } from '../users.ts';

const CareEvent = z.object({ doctorId: z.uuid(), patientId: z.uuid() });

/** Applies one job; false when it is not an appointment event or is malformed (logged, never retried). */
export async function applyCareEvent(em: EntityManager, job: OutboxJob, logger?: Logger): Promise<boolean> {
  if (!job.topic.startsWith('appointment.')) return false;
  const parsed = CareEvent.safeParse(job.payload);
  if (!parsed.success) {
    logger?.warn({ eventId: job.eventId, topic: job.topic }, 'ignoring a malformed appointment event');
    return false;
  }
  await query(
    em,
    `insert into care_relationships (doctor_id, patient_id, first_event_id) values (?, ?, ?) on conflict (doctor_id, patient_id) do nothing`,
    [parsed.data.doctorId, parsed.data.patientId, job.eventId],
  );
  return true;
}

export function startCareWorker(orm: MikroORM, redisUrl: string | null, queue: string, logger: Logger): QueueConsumer {
  return consumeQueue(queue, redisUrl, async (job, trace) => {
    await applyCareEvent(tracedFork(orm, trace), job, logger);
  }, logger);
}

/**
 * Per request: "is this user a patient of the viewing doctor?", batched. Viewers who are not doctors
 * never query (the answer is no; staff permissions are checked separately).
 */
export function createCareLoader(em: EntityManager, viewer: Viewer): DataLoader<string, boolean> {
  return new DataLoader(async (patientIds) => {
    const valid = patientIds.filter(isUuid);
    if (viewer.kind !== 'user' || !hasRole(viewer, 'DOCTOR') || !valid.length) return patientIds.map(() => false);
    const rows = await query<{ patientId: string }>(
      em,
      `select patient_id as "patientId" from care_relationships where doctor_id = ? and patient_id in (?)`,
      [viewer.userId, valid],
    );
    const mine = new Set(rows.map((r) => r.patientId));
    return patientIds.map((id) => mine.has(id));
  });
}
