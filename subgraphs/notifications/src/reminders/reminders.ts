// Reminders follow the appointment: rows with a due instant per (appointment, offset, channel) — the unique key
// that makes each go out at most once — planned when it is approved, moved when it is rescheduled, cancelled
// when it is cancelled, declined, missed or expires. At send time everything is checked again: the appointment
// must still be live at that time, the patient must still want that channel, and quiet hours are respected.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { traceOfEntityManager } from '@clinic/service-kit';
import { sql } from '../db.ts';
import type { Channel, Reminder } from '../entities/index.ts';
import type { NotifyDeps } from '../deps.ts';
import { offsetsFor } from '../policy.ts';
import { settingsOf, wants } from '../preferences/preferences.ts';
import { createMessage, dispatch, type MessageOutcome } from '../delivery/messages.ts';
import { afterQuietHours, dueInstants } from './timing.ts';

export const REMINDER_CHANNELS: Channel[] = ['EMAIL', 'SMS', 'IN_APP', 'CHAT'];

export interface AppointmentFacts {
  appointmentId: string;
  patientId: string;
  doctorId: string;
  startsAt: Date;
  consultationType: string;
}

/** Plans (or moves) the reminders of a live appointment; returns the rows to queue. */
export async function planReminders(em: EntityManager, deps: NotifyDeps, a: AppointmentFacts): Promise<{ id: string; dueAt: Date }[]> {
  const settings = await settingsOf(em, deps.policy, a.patientId);
  const now = deps.now();
  const due = dueInstants(a.startsAt, offsetsFor(deps.policy, a.consultationType, settings.reminderOffsets)).filter((d) => d.dueAt > now);
  const channels: Channel[] = [];
  for (const channel of REMINDER_CHANNELS) if (await wants(em, deps.policy, a.patientId, 'REMINDERS', channel)) channels.push(channel);
  const planned: { id: string; dueAt: Date }[] = [];
  for (const d of due) {
    for (const channel of channels) {
      // A moved appointment gets its reminders again for the new time (a sent one is sent again).
      const [row] = await sql<{ id: string; due_at: Date }>(
        em,
        `insert into reminders (id, appointment_id, patient_id, doctor_id, offset_minutes, channel, starts_at, due_at, status)
         values (?, ?, ?, ?, ?, ?, ?, ?, 'PENDING')
         on conflict (appointment_id, offset_minutes, channel) do update set
           starts_at = excluded.starts_at, due_at = excluded.due_at, status = 'PENDING', sent_at = null
         where reminders.starts_at <> excluded.starts_at or reminders.status = 'CANCELLED'
         returning id, due_at`,
        [randomUUID(), a.appointmentId, a.patientId, a.doctorId, d.offsetMinutes, channel, a.startsAt, d.dueAt],
      );
      if (row) planned.push({ id: row.id, dueAt: new Date(row.due_at) });
    }
  }
  // Offsets/channels no longer planned (or already past for the new time) do not go out.
  await sql(em, `update reminders set status = 'CANCELLED' where appointment_id = ? and status = 'PENDING' and starts_at <> ?`, [a.appointmentId, a.startsAt]);
  return planned;
}

export async function cancelReminders(em: EntityManager, appointmentId: string): Promise<number> {
  const rows = await sql(em, `update reminders set status = 'CANCELLED' where appointment_id = ? and status = 'PENDING' returning id`, [appointmentId]);
  return rows.length;
}

export type ReminderRun = 'sent' | 'not-due' | 'deferred' | 'cancelled' | 'done';

/** The reminder job: sends it if it is still due and wanted; otherwise reschedules or cancels it. */
export async function runReminder(em: EntityManager, deps: NotifyDeps, reminderId: string): Promise<ReminderRun> {
  let after = null as MessageOutcome | null;
  let requeueAt = null as Date | null;
  const result = await em.fork().transactional(async (tx): Promise<ReminderRun> => {
    // The row lock serialises two workers holding jobs for the same reminder.
    // (with the appointment's mirrored state in the same round trip)
    const [r] = await sql<Reminder & { apptStatus: string | null; apptStartsAt: Date | null }>(
      tx,
      `select r.id, r.appointment_id as "appointmentId", r.patient_id as "patientId", r.doctor_id as "doctorId", r.offset_minutes as "offsetMinutes",
              r.channel, r.starts_at as "startsAt", r.due_at as "dueAt", r.status, a.status as "apptStatus", a.starts_at as "apptStartsAt"
       from reminders r left join appointment_mirror a on a.appointment_id = r.appointment_id where r.id = ? for update of r`,
      [reminderId],
    );
    if (!r || r.status !== 'PENDING') return 'done';
    const now = deps.now();
    const startsAt = new Date(r.startsAt);
    const dueAt = new Date(r.dueAt);
    const live = r.apptStatus === 'APPROVED' && new Date(r.apptStartsAt!).getTime() === startsAt.getTime();
    if (!live || startsAt <= now) {
      await sql(tx, `update reminders set status = 'CANCELLED' where id = ?`, [r.id]);
      return 'cancelled';
    }
    if (dueAt.getTime() > now.getTime() + 1_000) {
      requeueAt = dueAt;
      return 'not-due';
    }
    const settings = await settingsOf(tx, deps.policy, r.patientId);
    const quietEnd = afterQuietHours(now, settings.timeZone, settings.quietHours);
    // Deferred only while it would still arrive in time to be useful (15 min before the start); else urgent.
    if (quietEnd > now && quietEnd.getTime() <= startsAt.getTime() - deps.policy.reminderRelevanceMinutes * 60_000) {
      requeueAt = quietEnd;
      return 'deferred';
    }
    const outcome = await createMessage(tx, deps, {
      userId: r.patientId,
      type: 'REMINDERS',
      channel: r.channel,
      dedupeKey: `reminder/${r.id}/${startsAt.toISOString()}`,
      appointmentId: r.appointmentId,
      doctorId: r.doctorId,
      startsAt,
      reminderId: r.id,
      settings,
    });
    if (outcome.kind === 'opted-out') {
      await sql(tx, `update reminders set status = 'CANCELLED' where id = ?`, [r.id]);
      return 'cancelled';
    }
    await sql(tx, `update reminders set status = 'SENT', sent_at = ? where id = ?`, [now, r.id]);
    after = outcome;
    return 'sent';
  });
  if (after) await dispatch(deps, after, traceOfEntityManager(em));
  if (requeueAt) await deps.queues.reminder(reminderId, requeueAt);
  return result;
}

/** Due rows not sent yet (Redis flushed, a job lost): queued again; a job that still exists is not duplicated. */
export async function sweepDueReminders(em: EntityManager, deps: NotifyDeps, horizonMs: number): Promise<number> {
  const rows = await sql<{ id: string; due_at: Date }>(em, `select id, due_at from reminders where status = 'PENDING' and due_at <= ? order by due_at limit 1000`, [
    new Date(deps.now().getTime() + horizonMs),
  ]);
  await deps.queues.reminders(rows.map((row) => ({ id: row.id, at: new Date(row.due_at) })));
  return rows.length;
}

export async function sweepQueuedDeliveries(em: EntityManager, deps: NotifyDeps, olderThanMs: number): Promise<number> {
  const rows = await sql<{ id: string; type: string; not_before: Date | null }>(
    em,
    `select id, type, not_before from delivery_attempts where status = 'QUEUED' and updated_at <= ? order by updated_at limit 1000`,
    [new Date(Date.now() - olderThanMs)],
  );
  for (const row of rows) await deps.queues.delivery(row.id, row.type === 'SECURITY', row.not_before ? new Date(row.not_before) : null);
  return rows.length;
}

export async function remindersOf(em: EntityManager, appointmentIds: readonly string[]): Promise<Reminder[]> {
  if (!appointmentIds.length) return [];
  return sql<Reminder>(
    em,
    `select id, appointment_id as "appointmentId", patient_id as "patientId", doctor_id as "doctorId", offset_minutes as "offsetMinutes",
            channel, starts_at as "startsAt", due_at as "dueAt", status, sent_at as "sentAt"
     from reminders where appointment_id in (${appointmentIds.map(() => '?').join(', ')}) order by due_at, channel`,
    [...appointmentIds],
  );
}
