// The consumer of appointments' outbox events (`notifications-events` queue): ids and times only. Each event
// is handled once (its id is recorded in the same transaction), an older event never overwrites a newer state
// of the appointment mirror, reminders are planned/moved/cancelled, and the patient is told about changes.
import type { EntityManager } from '@mikro-orm/postgresql';
import { traceOfEntityManager, type OutboxJob } from '@clinic/service-kit';
import { firstDelivery, sql } from '../db.ts';
import type { NotifyDeps } from '../deps.ts';
import { createMessage, dispatch, type MessageOutcome } from '../delivery/messages.ts';
import { cancelReminders, planReminders } from './reminders.ts';

const STOPPING = new Set(['cancelled', 'declined', 'no_show', 'expired', 'completed']);
const TOLD = new Set(['approved', 'declined', 'cancelled', 'rescheduled']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const str = (p: Record<string, unknown>, k: string) => (typeof p[k] === 'string' ? (p[k] as string) : null);

export async function handleAppointmentEvent(em: EntityManager, deps: NotifyDeps, job: OutboxJob): Promise<void> {
  const p = job.payload;
  const appointmentId = str(p, 'appointmentId') ?? str(p, 'entryId');
  const patientId = str(p, 'patientId');
  const doctorId = str(p, 'doctorId');
  if (!appointmentId || !patientId || !doctorId || ![appointmentId, patientId, doctorId].every((id) => UUID.test(id))) {
    deps.logger.warn({ eventId: job.eventId, topic: job.topic }, 'event without the ids notifications need; skipped');
    return;
  }
  const messages: MessageOutcome[] = [];
  let planned: { id: string; dueAt: Date }[] = [];
  await em.fork().transactional(async (tx) => {
    if (!(await firstDelivery(tx, job.eventId))) return;
    const startsAt = new Date(str(p, 'startsAt') ?? str(p, 'offerStartsAt') ?? job.createdAt);
    if (job.topic === 'waitlist.offered') {
      messages.push(
        ...(await Promise.all(
          (['IN_APP', 'EMAIL', 'SMS'] as const).map((channel) =>
            createMessage(tx, deps, { userId: patientId, type: 'WAITLIST_OFFERS', channel, dedupeKey: `event/${job.eventId}/${channel}`, doctorId, startsAt, urgent: true }),
          ),
        )),
      );
      return;
    }
    const action = job.topic.slice('appointment.'.length);
    const occurredAt = new Date(str(p, 'occurredAt') ?? job.createdAt);
    const status = str(p, 'status') ?? 'REQUESTED';
    // Out-of-order delivery: a newer state already mirrored wins.
    const [mirror] = await sql<{ appointment_id: string }>(
      tx,
      `insert into appointment_mirror (appointment_id, patient_id, doctor_id, status, starts_at, consultation_type, occurred_at)
       values (?, ?, ?, ?, ?, ?, ?)
       on conflict (appointment_id) do update set status = excluded.status, starts_at = excluded.starts_at, occurred_at = excluded.occurred_at
       where appointment_mirror.occurred_at <= excluded.occurred_at
       returning appointment_id`,
      [appointmentId, patientId, doctorId, status, startsAt, str(p, 'consultationType') ?? 'IN_PERSON', occurredAt],
    );
    if (!mirror) return;
    if (STOPPING.has(action) || status !== 'APPROVED') await cancelReminders(tx, appointmentId);
    else planned = await planReminders(tx, deps, { appointmentId, patientId, doctorId, startsAt, consultationType: str(p, 'consultationType') ?? 'IN_PERSON' });
    if (TOLD.has(action)) {
      // A change on the day of the appointment is urgent (it does not wait for quiet hours either).
      const urgent = startsAt.getTime() - deps.now().getTime() < 24 * 3_600_000;
      for (const channel of ['IN_APP', 'EMAIL', 'CHAT'] as const) {
        messages.push(
          await createMessage(tx, deps, { userId: patientId, type: 'APPOINTMENT_UPDATES', channel, dedupeKey: `event/${job.eventId}/${channel}`, appointmentId, doctorId, startsAt, change: action, urgent }),
        );
      }
    }
  });
  for (const m of messages) await dispatch(deps, m, traceOfEntityManager(em));
  await deps.queues.reminders(planned.map((r) => ({ id: r.id, at: r.dueAt })));
}
