// A reminder e-mail the provider accepted but never confirmed (no DELIVERED / OPENED event) by its deadline is
// treated like a failed one: the reminder fails over to SMS (or in-app). The deadline is set when the e-mail is
// handed to the provider — the configured wait, but never later than the reminder's relevance cut-off (15 min
// before the start by default) — and the sweeper claims overdue rows (clearing the deadline in the same
// statement, so two sweepers never fail over the same e-mail twice).
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../db.ts';
import type { DeliveryAttempt } from '../entities/index.ts';
import type { NotifyDeps } from '../deps.ts';
import { failover } from './deliver.ts';

/** Called when a reminder e-mail was accepted by the provider. */
export async function setDeliveryDeadline(em: EntityManager, deps: NotifyDeps, attemptId: string): Promise<void> {
  const now = deps.now();
  await sql(
    em,
    `update delivery_attempts d set deliver_by = least(?::timestamptz, greatest(?::timestamptz, r.starts_at - ?::int * interval '1 minute'))
     from reminders r where d.id = ? and r.id = d.reminder_id and d.channel = 'EMAIL'`,
    [new Date(now.getTime() + deps.policy.emailDeliveryDeadlineMinutes * 60_000), now, deps.policy.reminderRelevanceMinutes, attemptId],
  );
}

/** Fails over every overdue, unconfirmed reminder e-mail whose appointment is still live; returns how many. */
export async function failOverUndelivered(em: EntityManager, deps: NotifyDeps): Promise<number> {
  const now = deps.now();
  const overdue = await sql<DeliveryAttempt & { live: boolean }>(
    em,
    `update delivery_attempts d set deliver_by = null
     where d.id in (select id from delivery_attempts where deliver_by <= ? order by deliver_by limit 500 for update skip locked)
     returning d.id, d.dedupe_key as "dedupeKey", d.user_id as "userId", d.type, d.channel, d.reminder_id as "reminderId", d.status,
       exists (select 1 from reminders r join appointment_mirror a on a.appointment_id = r.appointment_id
               where r.id = d.reminder_id and a.status = 'APPROVED' and a.starts_at = r.starts_at and r.starts_at > ?) as live`,
    [now, now],
  );
  let count = 0;
  for (const attempt of overdue) {
    // Confirmed meanwhile (the webhook moved it on), or the appointment is gone: nothing to do.
    if (attempt.status !== 'SENT' || !attempt.live) continue;
    await failover(em, deps, attempt);
    count += 1;
  }
  return count;
}
