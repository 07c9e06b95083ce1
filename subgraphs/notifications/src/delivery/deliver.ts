// Sends one queued e-mail/SMS attempt through its provider and records the outcome on the attempt row:
// SENT with the provider's id; a transient failure is retried by the queue (exponential backoff) and after the
// last try becomes DEAD (an admin's dead letter); a permanent one is FAILED at once and marks the address as
// failing. A reminder that cannot go out by e-mail fails over to SMS, then to in-app.
import type { EntityManager } from '@mikro-orm/postgresql';
import { traceOfEntityManager } from '@clinic/service-kit';
import { sql } from '../db.ts';
import type { DeliveryAttempt } from '../entities/index.ts';
import type { NotifyDeps } from '../deps.ts';
import { PermanentDeliveryError } from './providers.ts';
import { createMessage, dispatch, type MessageOutcome } from './messages.ts';
import { setDeliveryDeadline } from './deadline.ts';
import { settingsOf } from '../preferences/preferences.ts';
import { emailHtml } from '../templates/email-html.ts';
import { sendToChat } from './chat-channel.ts';
import { LINK_PLACEHOLDER } from '../account/account-mail.ts';

export type DeliveryResult = 'sent' | 'skipped' | 'permanent' | 'retry' | 'dead';

type AttemptRow = DeliveryAttempt & { link: string | null; appointmentId: string | null; address: string | null; secretLink: string | null };

async function attemptOf(em: EntityManager, id: string): Promise<AttemptRow | null> {
  const [row] = await sql<AttemptRow>(
    em,
    `select id, dedupe_key as "dedupeKey", user_id as "userId", type, channel, reminder_id as "reminderId", subject, body, status, attempts, link, appointment_id as "appointmentId",
            address, secret_link as "secretLink"
     from delivery_attempts where id = ?`,
    [id],
  );
  return row ?? null;
}

// A settled attempt (sent, failed, dead) no longer needs an account mail's single-use link: it is cleared.
const setStatus = (em: EntityManager, id: string, status: string, fields: { providerMessageId?: string | null; error?: string | null } = {}) =>
  sql(em, `update delivery_attempts set status = ?, secret_link = null, provider_message_id = coalesce(?, provider_message_id), error = ?, attempts = attempts + 1, updated_at = now() where id = ?`, [
    status,
    fields.providerMessageId ?? null,
    fields.error?.slice(0, 500) ?? null,
    id,
  ]);

/** `lastTry`: the queue will not retry after this one. Throws to ask for a retry. */
export async function deliverAttempt(em: EntityManager, deps: NotifyDeps, attemptId: string, lastTry: boolean): Promise<DeliveryResult> {
  const attempt = await attemptOf(em, attemptId);
  if (!attempt || attempt.status !== 'QUEUED') return 'skipped';
  try {
    if (attempt.channel === 'CHAT') {
      await sendToChat(deps, attempt);
      await setStatus(em, attempt.id, 'SENT');
      return 'sent';
    }
    if (attempt.channel === 'PUSH') {
      const pushed = await deps.push.send(em, attempt.userId, { title: attempt.subject ?? '', body: attempt.body, link: attempt.link ?? '/notifications', attemptId: attempt.id, urgent: attempt.type === 'SECURITY' });
      await setStatus(em, attempt.id, 'SENT', { providerMessageId: pushed.providerMessageId });
      return 'sent';
    }
    if (attempt.channel === 'EMAIL' && attempt.secretLink) return await sendAccountMail(em, deps, attempt);
    const contact = await deps.contacts.contactOf(attempt.userId);
    const address = attempt.channel === 'EMAIL' ? contact?.email : contact?.phone;
    if (!address) throw new PermanentDeliveryError(`no ${attempt.channel === 'EMAIL' ? 'e-mail address' : 'phone number'} on file`);
    let sent: { providerMessageId: string | null };
    if (attempt.channel === 'EMAIL') {
      const unsubscribeUrl = deps.unsubscribe.url({ userId: attempt.userId, type: attempt.type, channel: 'EMAIL' });
      const { locale } = await settingsOf(em, deps.policy, attempt.userId);
      const subject = attempt.subject ?? '';
      const html = emailHtml({ subject, text: attempt.body, locale, unsubscribeUrl, appUrl: attempt.link ? deps.appUrl + attempt.link : null });
      sent = await deps.providers.email(em, { to: address, subject, text: attempt.body, html, attemptId: attempt.id, headers: unsubscribeHeaders(unsubscribeUrl) });
    } else {
      sent = await deps.providers.sms(em, { to: address, body: attempt.body, attemptId: attempt.id });
    }
    await setStatus(em, attempt.id, 'SENT', { providerMessageId: sent.providerMessageId });
    // A reminder e-mail must be confirmed delivered in time, or it fails over (deadline.ts).
    if (attempt.channel === 'EMAIL' && attempt.reminderId) await setDeliveryDeadline(em, deps, attempt.id);
    return 'sent';
  } catch (error) {
    const message = (error as Error).message;
    if (error instanceof PermanentDeliveryError) {
      await setStatus(em, attempt.id, 'FAILED', { error: message });
      await markFailing(em, attempt);
      await failover(em, deps, attempt);
      return 'permanent';
    }
    if (lastTry) {
      await setStatus(em, attempt.id, 'DEAD', { error: message });
      await failover(em, deps, attempt);
      return 'dead';
    }
    await sql(em, `update delivery_attempts set attempts = attempts + 1, error = ?, updated_at = now() where id = ?`, [message.slice(0, 500), attempt.id]);
    throw error;
  }
}

/** An account mail (account-mail.ts): to its own address, the link put back into the text, no unsubscribe. */
async function sendAccountMail(em: EntityManager, deps: NotifyDeps, attempt: AttemptRow): Promise<DeliveryResult> {
  const link = attempt.secretLink!;
  const to = attempt.address ?? (await deps.contacts.contactOf(attempt.userId))?.email;
  if (!to) throw new PermanentDeliveryError('no e-mail address on file');
  const { locale } = await settingsOf(em, deps.policy, attempt.userId);
  const subject = attempt.subject ?? '';
  const text = attempt.body.split(LINK_PLACEHOLDER).join(link);
  const html = emailHtml({ subject, text, locale, unsubscribeUrl: null, appUrl: link });
  const sent = await deps.providers.email(em, { to, subject, text, html, attemptId: attempt.id, headers: {} });
  await setStatus(em, attempt.id, 'SENT', { providerMessageId: sent.providerMessageId });
  return 'sent';
}

/** RFC 8058 one-click unsubscribe. */
export function unsubscribeHeaders(url: string): Record<string, string> {
  return { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

async function markFailing(em: EntityManager, attempt: DeliveryAttempt): Promise<void> {
  if (attempt.channel !== 'EMAIL' && attempt.channel !== 'SMS') return;
  const column = attempt.channel === 'EMAIL' ? 'email_failing' : 'sms_failing';
  await sql(em, `insert into notification_settings (user_id, ${column}) values (?, true) on conflict (user_id) do update set ${column} = true`, [attempt.userId]);
}

/** A reminder that did not go out by e-mail (or push, chat) goes by SMS (if the patient allows SMS), else in-app. */
export async function failover(em: EntityManager, deps: NotifyDeps, attempt: Pick<DeliveryAttempt, 'userId' | 'type' | 'channel' | 'reminderId' | 'dedupeKey'>): Promise<MessageOutcome | null> {
  if (!attempt.reminderId || attempt.channel === 'IN_APP') return null;
  const [reminder] = await sql<{ appointment_id: string; doctor_id: string; starts_at: Date; offset_minutes: number }>(em, `select appointment_id, doctor_id, starts_at, offset_minutes from reminders where id = ?`, [
    attempt.reminderId,
  ]);
  if (!reminder) return null;
  const base = { userId: attempt.userId, type: attempt.type, reminderId: attempt.reminderId, appointmentId: reminder.appointment_id, doctorId: reminder.doctor_id, startsAt: new Date(reminder.starts_at), urgent: true };
  // A patient who gets (or will get) this very reminder on that channel anyway would only see it twice.
  const covered = async (channel: string) =>
    (await sql(em, `select 1 from reminders where appointment_id = ? and offset_minutes = ? and channel = ? and status in ('PENDING', 'SENT')`, [
      reminder.appointment_id,
      reminder.offset_minutes,
      channel,
    ])).length > 0;
  let outcome: MessageOutcome = { kind: 'opted-out' };
  if (attempt.channel !== 'SMS') {
    if (await covered('SMS')) return null;
    outcome = await createMessage(em, deps, { ...base, channel: 'SMS', dedupeKey: `${attempt.dedupeKey}/failover-sms` });
  }
  if (outcome.kind === 'opted-out') {
    if (await covered('IN_APP')) return null;
    outcome = await createMessage(em, deps, { ...base, channel: 'IN_APP', dedupeKey: `${attempt.dedupeKey}/failover-in-app`, allowed: true });
  }
  await dispatch(deps, outcome, traceOfEntityManager(em));
  return outcome;
}
