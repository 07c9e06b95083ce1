// Keeps the local doctor directory (used by multi-doctor slot search) in step with identity: consumes
// `doctor.profile_updated` jobs from the `appointments-doctors` queue. Idempotent and order-safe: the
// upsert applies an event only if it is not older than what is stored, so redeliveries change nothing.
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { consumeQueue, tracedFork, type Logger, type OutboxJob, type QueueConsumer } from '@clinic/service-kit';
import { DateTime } from 'luxon';
import { isUuid } from '../actor.ts';
import { pgArray } from '../schedules/slot-search.ts';
import type { DoctorListing } from '../entities/doctor.ts';

export const DOCTORS_QUEUE = 'appointments-doctors';
export const DOCTOR_PROFILE_TOPIC = 'doctor.profile_updated';

/** What identity sends: the listing as stored here, without our bookkeeping of event order. */
export type DoctorProfilePayload = Omit<DoctorListing, 'sourceEventAt'>;

const labels = (value: unknown): value is string[] =>
  Array.isArray(value) && value.length <= 50 && value.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 80);

export function parseDoctorProfile(payload: Record<string, unknown>): DoctorProfilePayload | null {
  const { doctorId, specialisations, languages, timeZone, consultationTypes, active } = payload;
  if (typeof doctorId !== 'string' || !isUuid(doctorId)) return null;
  if (!labels(specialisations) || !labels(languages) || !labels(consultationTypes)) return null;
  if (typeof timeZone !== 'string' || !DateTime.local().setZone(timeZone).isValid) return null;
  if (typeof active !== 'boolean') return null;
  return { doctorId, specialisations, languages, timeZone, consultationTypes, active };
}

/** Applies one job; returns false for jobs that are not for us or malformed (logged, never retried). */
export async function applyDoctorProfileJob(em: EntityManager, job: OutboxJob, logger?: Logger): Promise<boolean> {
  if (job.topic !== DOCTOR_PROFILE_TOPIC) return false;
  const profile = parseDoctorProfile(job.payload);
  if (!profile) {
    logger?.warn({ eventId: job.eventId }, 'ignoring a malformed doctor profile event');
    return false;
  }
  await em.execute(
    `insert into doctor_directory (doctor_id, specialisations, languages, time_zone, consultation_types, active, source_event_at)
     values (?, ?::text[], ?::text[], ?, ?::text[], ?, ?::timestamptz)
     on conflict (doctor_id) do update set
       specialisations = excluded.specialisations, languages = excluded.languages, time_zone = excluded.time_zone,
       consultation_types = excluded.consultation_types, active = excluded.active, source_event_at = excluded.source_event_at
     where doctor_directory.source_event_at <= excluded.source_event_at`,
    [
      profile.doctorId,
      pgArray(profile.specialisations),
      pgArray(profile.languages),
      profile.timeZone,
      pgArray(profile.consultationTypes),
      profile.active,
      job.createdAt,
    ],
  );
  return true;
}

export function startDoctorDirectoryWorker(orm: MikroORM, redisUrl: string | null, logger: Logger, queue = DOCTORS_QUEUE): QueueConsumer {
  return consumeQueue(queue, redisUrl, async (job, trace) => {
    await applyDoctorProfileJob(tracedFork(orm, trace), job, logger);
  }, logger);
}
