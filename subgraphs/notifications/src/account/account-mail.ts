// identity's account mails — confirm the address, reset the password, "you already have an account" — sent as
// transactional e-mail: stored as SECURITY (urgent: not held by quiet hours nor the hourly cap) and sent
// whatever the preferences say, since without them nobody can get into their account. Addressed to the
// address the link was issued for. The single-use link is kept apart from the stored body (which has a
// placeholder) and cleared once the attempt is settled (deliver.ts); it is never logged.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ACCOUNT_MAIL_TOPICS, AccountMailPayloadSchema, type AccountMailTopic, type OutboxJob, traceOfEntityManager } from '@clinic/service-kit';
import { firstDelivery, sql } from '../db.ts';
import type { NotifyDeps } from '../deps.ts';
import { settingsOf } from '../preferences/preferences.ts';
import { render, type TemplateData } from '../templates/render.ts';
import type { TemplateText } from '../templates/defaults.ts';
import { dispatch, type MessageOutcome } from '../delivery/messages.ts';

/** Stands for the link in the stored body; swapped for the real one only in the e-mail sent. */
export const LINK_PLACEHOLDER = '[link]';

const TEXTS: Record<AccountMailTopic, Record<'en' | 'ro', TemplateText>> = {
  [ACCOUNT_MAIL_TOPICS.emailVerificationRequested]: {
    en: { subject: 'Confirm your e-mail address', body: 'Hello {{name}},\n\nOpen this link to confirm your e-mail address and activate your clinic account (valid for {{change}} hours, once):\n{{link}}\n\nIf you did not register, ignore this e-mail.' },
    ro: { subject: 'Confirmați adresa de e-mail', body: 'Bună ziua, {{name}},\n\nDeschideți acest link pentru a confirma adresa de e-mail și a activa contul la clinică (valabil {{change}} ore, o singură dată):\n{{link}}\n\nDacă nu v-ați înregistrat, ignorați acest e-mail.' },
  },
  [ACCOUNT_MAIL_TOPICS.passwordResetRequested]: {
    en: { subject: 'Reset your password', body: 'Hello {{name}},\n\nOpen this link to choose a new password (valid for {{change}} minutes, once):\n{{link}}\n\nIf you did not ask for this, ignore this e-mail; your password stays the same.' },
    ro: { subject: 'Resetați parola', body: 'Bună ziua, {{name}},\n\nDeschideți acest link pentru a alege o parolă nouă (valabil {{change}} minute, o singură dată):\n{{link}}\n\nDacă nu ați cerut acest lucru, ignorați e-mailul; parola rămâne aceeași.' },
  },
  [ACCOUNT_MAIL_TOPICS.registrationAttempted]: {
    en: { subject: 'You already have an account', body: 'Hello {{name}},\n\nSomeone tried to register with this e-mail address, which already has a clinic account. Sign in here (or reset your password from the sign-in page):\n{{link}}\n\nIf this was not you, no action is needed.' },
    ro: { subject: 'Aveți deja un cont', body: 'Bună ziua, {{name}},\n\nCineva a încercat să se înregistreze cu această adresă de e-mail, care are deja un cont la clinică. Autentificați-vă aici (sau resetați parola din pagina de autentificare):\n{{link}}\n\nDacă nu ați fost dvs., nu trebuie să faceți nimic.' },
  },
};

const isAccountMail = (topic: string): topic is AccountMailTopic => (Object.values(ACCOUNT_MAIL_TOPICS) as string[]).includes(topic);

/** The mail's text in the recipient's language; the link stays a placeholder. */
export function accountMailText(topic: AccountMailTopic, locale: string, data: { name: string; expiresInMinutes?: number }): TemplateText {
  const lifetime = data.expiresInMinutes == null ? '' : String(topic === ACCOUNT_MAIL_TOPICS.emailVerificationRequested ? Math.round(data.expiresInMinutes / 60) : data.expiresInMinutes);
  const values: TemplateData = { name: data.name, doctorName: '', startsAtLocal: '', appointmentId: '', change: lifetime, link: LINK_PLACEHOLDER, messageCount: 1, unsubscribeUrl: '' };
  return render(TEXTS[topic][locale === 'en' ? 'en' : 'ro'], values);
}

/** Handles the job when it is an account mail (true), else leaves it to the caller (false). */
export async function handleAccountMail(em: EntityManager, deps: NotifyDeps, job: OutboxJob): Promise<boolean> {
  if (!isAccountMail(job.topic)) return false;
  const parsed = AccountMailPayloadSchema.safeParse(job.payload);
  if (!parsed.success) {
    deps.logger.warn({ eventId: job.eventId, topic: job.topic }, 'account mail event without its recipient or link; skipped');
    return true;
  }
  const { userId, email, locale, link, expiresInMinutes } = parsed.data;
  // Asked before the transaction: an identity outage fails the job (retried), not a half-written one.
  const name = (await deps.contacts.contactOf(userId))?.displayName ?? '';
  let outcome: MessageOutcome | null = null;
  await em.fork().transactional(async (tx) => {
    if (!(await firstDelivery(tx, job.eventId))) return;
    const text = accountMailText(job.topic as AccountMailTopic, locale ?? (await settingsOf(tx, deps.policy, userId)).locale, { name, expiresInMinutes });
    const now = deps.now();
    const [attempt] = await sql<{ id: string }>(
      tx,
      `insert into delivery_attempts (id, dedupe_key, user_id, type, channel, subject, body, address, secret_link, status, attempts, created_at, updated_at)
       values (?, ?, ?, 'SECURITY', 'EMAIL', ?, ?, ?, ?, 'QUEUED', 0, ?, ?) on conflict (dedupe_key) do nothing returning id`,
      [randomUUID(), `event/${job.eventId}/EMAIL`, userId, text.subject, text.body, email, link, now, now],
    );
    if (attempt) outcome = { kind: 'queued', attemptId: attempt.id, urgent: true, notBefore: null };
  });
  if (outcome) await dispatch(deps, outcome, traceOfEntityManager(em));
  return true;
}
